/**
 * Test support: an SSE transcript as a client keeps it across a cut. What arrived before the
 * cut (complete frames only), the id to resume from, and the events in it, so a cut-and-resume
 * run can be compared with an uncut one byte for byte.
 * @module
 */

/** The complete frames of a cut transcript (a client drops a partial last frame). */
export function completeFrames(text: string): string {
  const end = text.lastIndexOf('\n\n');
  return end < 0 ? '' : text.slice(0, end + 2);
}

/** The id of the last event in `text` that has one (what a client sends as Last-Event-ID). */
export function lastEventId(text: string): string {
  const ids = [...text.matchAll(/^id: (.+)$/gm)];
  const last = ids.at(-1)?.[1];
  if (last === undefined) throw new Error(`no event id in ${JSON.stringify(text.slice(0, 200))}`);
  return last;
}

/** Event name and data of each frame, ids and `hello` left out (they differ between runs). */
export function eventsOf(text: string): [string, unknown][] {
  return text
    .split('\n\n')
    .filter((frame) => frame !== '' && !frame.includes('event: hello'))
    .map((frame) => {
      const event = /^event: (.+)$/m.exec(frame)?.[1] ?? 'message';
      const data = /^data: (.+)$/m.exec(frame)?.[1] ?? 'null';
      return [event, JSON.parse(data)];
    });
}

/** Reads a response body until `marker` arrived, then cancels it: the connection is cut. */
export async function readUntilCut(body: ReadableStream<Uint8Array>, marker: string): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (let chunks = 0; !text.includes(marker); chunks++) {
    const { done, value } = await reader.read();
    if (done || chunks > 1000) throw new Error(`the body ended before ${marker}: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text;
}
