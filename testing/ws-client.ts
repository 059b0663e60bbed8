/**
 * Test support: a WebSocket client of `/api/v1/ws` (the `ws` package, so tests can send
 * headers such as a bearer token, a cookie or an `Origin`) that keeps every message and
 * waits for the ones a test names, bounded in time.
 * @module
 */
import { encodeEvent, type WsServerMessage } from '@tidewire/protocol';
import WebSocket from 'ws';

export interface TestSocket {
  socket: WebSocket;
  /** Every message received so far, parsed. */
  messages: WsServerMessage[];
  send(message: unknown): void;
  /** The first message (received or to come) after index `from` that `match` accepts. */
  next(
    match: (message: WsServerMessage) => boolean,
    from?: number,
    timeoutMs?: number,
  ): Promise<WsServerMessage>;
  /** Resolves with the close code once the socket closes. */
  closed: Promise<number>;
}

/** The WebSocket URL of a gateway's `http://` URL. */
export const wsUrlOf = (httpUrl: string, path = '/api/v1/ws') => `${httpUrl.replace(/^http/, 'ws')}${path}`;

/** Opens a socket; rejects with the HTTP status of a refused upgrade (`error.status`). */
export function openTestSocket(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
  const socket = new WebSocket(url, { headers });
  const messages: WsServerMessage[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    messages.push(JSON.parse(data.toString()) as WsServerMessage);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  const next: TestSocket['next'] = (match, from = 0, timeoutMs = 15_000) =>
    new Promise((resolve, reject) => {
      const look = () => {
        const found = messages.slice(from).find(match);
        if (!found) return false;
        waiters.delete(look);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        waiters.delete(look);
        reject(
          new Error(
            `no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages).slice(-800)}`,
          ),
        );
      }, timeoutMs);
      if (!look()) waiters.add(look);
    });
  return new Promise((resolve, reject) => {
    socket.once('open', () =>
      resolve({ socket, messages, send: (message) => socket.send(JSON.stringify(message)), next, closed }),
    );
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk;
      });
      res.on('end', () =>
        reject(
          Object.assign(new Error(`upgrade refused: ${res.statusCode} ${body}`), {
            status: res.statusCode,
            body,
          }),
        ),
      );
    });
    socket.once('error', reject);
  });
}

/** The events of `streamId` among `messages`, as SSE frames (the transcript an SSE client would get, without `retry`). */
export function transcriptOf(messages: WsServerMessage[], streamId: string): string[] {
  return messages
    .filter((m): m is Extract<WsServerMessage, { event: string }> => 'event' in m && m.stream_id === streamId)
    .map((m) => encodeEvent(m.event, m.data, m.seq === undefined ? undefined : `${m.stream_id}:${m.seq}`));
}

/** A matcher of control messages of `type` (`started`, `error`…) for which `extra` holds. */
export const isType =
  (type: string, extra: (m: Record<string, unknown>) => boolean = () => true) =>
  (m: WsServerMessage) =>
    'type' in m && m.type === type && extra(m as unknown as Record<string, unknown>);

/** The `error.type` of an `error` message. */
export const errorTypeOf = (m: WsServerMessage) => (m as { error: { type: string } }).error.type;

/** The `stream_id` of a message that has one (`started`, `ended`, `error`, events). */
export const streamIdOf = (m: WsServerMessage) => (m as { stream_id: string }).stream_id;

/** Whether `message` is the `ended` of `streamId`. */
export const endedOf = (streamId: string) => (m: WsServerMessage) =>
  'type' in m && m.type === 'ended' && m.stream_id === streamId;

/** The frames of a raw SSE body without `retry` lines (a WebSocket client has no use for them). */
export const sseFramesOf = (raw: string) =>
  raw
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => `${frame.replace(/\nretry: \d+/, '')}\n\n`);
