/**
 * Test support for the media streams: starting an image or read-aloud stream in-process, and
 * fetching the artifacts its events name (in-process, or from a gateway's URL: `over`).
 * @module
 */
import type { StreamEvent } from '@tidewire/protocol';
import type { TestApp } from './in-process.ts';

/** What fetches a path: an in-process app, or a gateway at a URL (`over`). */
export type Requester = Pick<TestApp, 'request'>;

/** Requests to the gateway at `url`, over HTTP. */
export const over = (url: string): Requester => ({ request: (path, init) => fetch(`${url}${path}`, init) });

/** The init of a POST of `body` as JSON. */
export const jsonPost = (
  body: object,
): { method: string; headers: Record<string, string>; body: string } => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export const postJson = (app: TestApp, path: string, body: object, headers: Record<string, string> = {}) => {
  const init = jsonPost(body);
  return app.request(path, { ...init, headers: { ...init.headers, ...headers } });
};

/** The data of every event named `name`. */
export const dataOf = <T = Record<string, unknown>>(events: StreamEvent[], name: string): T[] =>
  events.filter((e) => e.event === name).map((e) => e.data as T);

/** The bytes of an artifact URL (asserting it is served). */
export async function artifactBytes(
  app: Requester,
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
  app: Requester,
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
