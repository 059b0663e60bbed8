/**
 * The SSE encoder: turns one event into the exact frame the contract prescribes,
 * `id`, `event`, `retry`, then one `data:` line per line of data, then a blank line.
 * @module
 */

export interface FrameFields {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

/** Splits on every line break the SSE grammar knows (CRLF, LF, CR). */
const LINE_BREAK = /\r\n|\r|\n/;

function assertSingleLine(name: string, value: string): void {
  if (value.includes('\n') || value.includes('\r'))
    throw new TypeError(`SSE ${name} must not contain a line break`);
}

/** Encodes one SSE frame. Data with line breaks becomes several `data:` lines. */
export function encodeFrame({ id, event, data, retry }: FrameFields): string {
  let frame = '';
  if (id !== undefined) {
    assertSingleLine('id', id);
    frame += `id: ${id}\n`;
  }
  if (event !== undefined) {
    assertSingleLine('event', event);
    frame += `event: ${event}\n`;
  }
  if (retry !== undefined) {
    if (!Number.isInteger(retry) || retry < 0)
      throw new TypeError('SSE retry must be a non-negative integer');
    frame += `retry: ${retry}\n`;
  }
  // JSON.stringify never emits a raw line break, so the common case is a single line.
  if (!LINE_BREAK.test(data)) return `${frame}data: ${data}\n\n`;
  for (const line of data.split(LINE_BREAK)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

/**
 * Encodes a contract event: `id: STREAM_ID:SEQ`, `event: NAME`, `data: JSON`. This is the hot
 * path (once per event): JSON text never holds a raw line break, so it is one `data:` line.
 */
export function encodeEvent(event: string, data: unknown, id?: string, retry?: number): string {
  if (retry !== undefined || (id !== undefined && (id.includes('\n') || id.includes('\r')))) {
    return encodeFrame({ id, event, data: JSON.stringify(data), retry });
  }
  const line = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  return id === undefined ? line : `id: ${id}\n${line}`;
}

/** Encodes an SSE comment line (ignored by parsers; used to open a stream at once). */
export function encodeComment(text: string): string {
  assertSingleLine('comment', text);
  return `: ${text}\n\n`;
}
