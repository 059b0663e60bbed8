/**
 * Test support for the media streams: starting an image or read-aloud stream in-process, and
 * fetching the artifacts its events name.
 * @module
 */
import type { StreamEvent } from '@tidewire/protocol';
import type { TestApp } from './in-process.ts';

export const postJson = (app: TestApp, path: string, body: object, headers: Record<string, string> = {}) =>
  app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** The data of every event named `name`. */
export const dataOf = <T = Record<string, unknown>>(events: StreamEvent[], name: string): T[] =>
  events.filter((e) => e.event === name).map((e) => e.data as T);

/** The bytes of an artifact URL (asserting it is served). */
export async function artifactBytes(
  app: TestApp,
  url: string,
  headers: Record<string, string> = {},
): Promise<Buffer> {
  const response = await app.request(url, { headers });
  if (response.status !== 200)
    throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return Buffer.from(await response.arrayBuffer());
}

/** Every audio chunk of a stream's events, concatenated in order. */
export async function audioOf(
  app: TestApp,
  events: StreamEvent[],
  headers: Record<string, string> = {},
): Promise<Buffer> {
  const chunks = await Promise.all(
    dataOf<{ url: string }>(events, 'audio').map((a) => artifactBytes(app, a.url, headers)),
  );
  return Buffer.concat(chunks);
}

/** The stream id of a stream's events (its `hello`). */
export const streamIdOf = (events: StreamEvent[]) => (events[0]!.data as { stream_id: string }).stream_id;
