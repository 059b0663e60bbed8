/**
 * Incremental SSE parser following the WHATWG "interpreting an event stream" algorithm.
 *
 * Line handling (CR, LF, CRLF, a CR/LF pair split across chunks, comments, digits-only
 * `retry`, ids containing NULL ignored, no dispatch of an unterminated last event) is done
 * by eventsource-parser, the parser the AI SDK uses for every provider. This wrapper adds
 * what the spec puts before line handling: UTF-8 decoding of raw bytes, with multi-byte
 * characters split across chunks reassembled and invalid bytes decoded as U+FFFD; the
 * removal of ONE leading U+FEFF (the decoder keeps it, so that it is removed once, here:
 * a second one belongs to the first field name, which is then ignored); and the spec's
 * "last event ID buffer", which persists across events.
 * https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @module
 */
import { createParser as createLineParser, type ParseError } from 'eventsource-parser';

/** One dispatched event, as the spec's `MessageEvent` would carry it. */
export interface ParsedEvent {
  /** The `event` field, or `message` when none was given. */
  event: string;
  data: string;
  /** The `id` field of this event block, when it had one. */
  id: string | undefined;
  /** The last event ID buffer at dispatch time (what a reconnect sends as `Last-Event-ID`). */
  lastEventId: string;
}

export interface ParserCallbacks {
  onEvent: (event: ParsedEvent) => void;
  onRetry?: (ms: number) => void;
  onComment?: (comment: string) => void;
  /**
   * Problems: an invalid `retry` or unknown field (parsing goes on), or `type`
   * `max-buffer-size-exceeded` (parsing stops: `feed` throws until `reset`).
   */
  onError?: (error: ParseError) => void;
  /** Bound on one event's buffered text (its data and the line being read), in characters. */
  maxBufferSize?: number;
}

export interface SSEParser {
  /** Feeds a chunk: bytes (decoded as streaming UTF-8) or an already decoded string. */
  feed(chunk: Uint8Array | string): void;
  /** Forgets any partial line, partial character and the last event ID (for a new connection). */
  reset(): void;
  /** The last event ID buffer. */
  readonly lastEventId: string;
}

export function createParser(callbacks: ParserCallbacks): SSEParser {
  if (typeof callbacks === 'function') {
    throw new TypeError(
      'createParser takes an options object: did you mean `createParser({ onEvent: fn })`?',
    );
  }
  const { onEvent, onRetry, onComment, onError, maxBufferSize } = callbacks;
  let lastEventId = '';
  let decoder = utf8Decoder();
  /** No character of the stream has been seen yet: a leading BOM is still to be removed. */
  let atStart = true;
  const lines = createLineParser({
    maxBufferSize,
    onId: (id) => {
      lastEventId = id;
    },
    onEvent: (message) => {
      onEvent({ event: message.event ?? 'message', data: message.data, id: message.id, lastEventId });
    },
    onRetry,
    onComment,
    onError,
  });

  // eventsource-parser would strip a BOM too (a second one, after ours); a blank line first
  // ends its BOM check with nothing to strip, and dispatches nothing.
  lines.feed('\n');

  return {
    feed(chunk) {
      let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      if (atStart && text !== '') {
        atStart = false;
        if (text.startsWith(BOM)) text = text.slice(1);
      }
      lines.feed(text);
    },
    reset() {
      lines.reset();
      lines.feed('\n');
      decoder = utf8Decoder();
      atStart = true;
      lastEventId = '';
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}

const BOM = '\uFEFF';

/** A streaming UTF-8 decoder that keeps a leading BOM (the parser removes exactly one). */
function utf8Decoder(): TextDecoder {
  return new TextDecoder('utf-8', { ignoreBOM: true });
}
