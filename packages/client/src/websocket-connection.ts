/**
 * One connection of a consumer over the WebSocket transport (`/api/v1/ws`, docs/WEBSOCKET.md):
 * opens the socket, sends the start or follow of its one stream, and hands each event of that
 * stream to the consumer as a parsed SSE event would be, with its data already parsed. The
 * connection's outcome is what the consumer's SSE reading would give: the stream's end, or
 * the error to retry after (or fail with). A server error message keeps the status its HTTP
 * route would have had, so the consumer's retry rules apply unchanged. The consumer imports
 * this module dynamically on first use, so a page's bundle fetches it (and what only it uses)
 * only when the WebSocket is used.
 * @module
 */
import { formatEventId, type ParsedEvent, WEBSOCKET_PATH, type WsServerMessage } from '@tidewire/protocol';
import { StreamError, serverErrorType } from './errors.ts';
import { apiUrlOf, pageUrl } from './resume-url.ts';

/** Loaded with the transport: only a WebSocket that opened records a strike. */
export { recordStrike } from './transport-strikes.ts';

/** The WebSocket constructor (the browser's, Node's, or a compatible one). */
export type WebSocketConstructor = new (
  url: string,
  init?: string[] | { headers?: Record<string, string> },
) => WebSocket;

/** What a connection ends with: the stream's `done`, or why it stopped. */
export type Outcome = 'done' | StreamError;

export interface WebSocketAttempt {
  /** The consumer's starting URL: the WebSocket route is `/api/v1/ws` on its server… */
  startUrl: string;
  /** …unless the route is given (`webSocketUrl`). */
  url?: string;
  /** The constructor given, else the runtime's `WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** The consumer's headers: sent on the upgrade in Node; browsers send none (their socket is authenticated by cookie). */
  headers?: Record<string, string>;
  /** The message that asks for the stream: a `start` or a `follow`. */
  request: { type: 'start' | 'follow'; [field: string]: unknown };
  /** Closing the consumer ends the connection. */
  signal: AbortSignal;
  /** The stream this connection reads (once known). */
  streamId(): string | undefined;
  onOpen(): void;
  onStarted(streamId: string): void;
  /** An event of the stream: returns why to stop, if so. */
  onEvent(event: ParsedEvent, data: unknown): Outcome | undefined;
}

/** The HTTP status the SSE routes answer each error type with (for the retry rules). */
const STATUS: Readonly<Record<string, number>> = {
  stream_not_found: 404,
  conversation_not_found: 404,
  stream_exists: 409,
  question_too_long: 413,
  rate_limited: 429,
  too_many_streams: 429,
  too_many_connections: 429,
  internal_error: 500,
  service_unavailable: 503,
};

/** What a connection gave: its outcome, and whether the socket opened at all. */
export interface WebSocketResult {
  outcome: Outcome;
  opened: boolean;
}

export function readWebSocket(attempt: WebSocketAttempt): Promise<WebSocketResult> {
  const WebSocketClass = attempt.WebSocket ?? (globalThis.WebSocket as WebSocketConstructor | undefined);
  if (!WebSocketClass) {
    const outcome = new StreamError('network_error', 'this runtime has no WebSocket');
    return Promise.resolve({ outcome, opened: false });
  }
  const url = attempt.url ?? webSocketUrlOf(attempt.startUrl);
  const headers = typeof window === 'undefined' ? attempt.headers : undefined;
  return new Promise((resolve) => {
    let opened = false;
    let settled = false;
    const socket = headers ? new WebSocketClass(url, { headers }) : new WebSocketClass(url);
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      attempt.signal.removeEventListener('abort', onAbort);
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      if (socket.readyState <= 1) socket.close(1000);
      resolve({ outcome, opened });
    };
    const onAbort = () => finish(new StreamError('network_error', 'the consumer was closed'));
    attempt.signal.addEventListener('abort', onAbort, { once: true });
    socket.onopen = () => {
      opened = true;
      attempt.onOpen();
      socket.send(JSON.stringify(attempt.request));
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      const outcome = handle(attempt, JSON.parse(message.data) as WsServerMessage);
      if (outcome) finish(outcome);
    };
    socket.onerror = () => {
      const what = opened ? 'the WebSocket failed' : `cannot open the WebSocket ${url}`;
      finish(new StreamError('network_error', what));
    };
    socket.onclose = (event) =>
      finish(
        new StreamError('network_error', `the WebSocket closed (code ${event.code}) before the stream ended`),
      );
    if (attempt.signal.aborted) onAbort();
  });
}

/** The WebSocket route on the server of `startUrl`, under its path prefix (`ws:` or `wss:`). */
function webSocketUrlOf(startUrl: string): string {
  const url = new URL(apiUrlOf(startUrl, WEBSOCKET_PATH, pageUrl()));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** One server message: returns the connection's outcome when it has one. */
function handle(attempt: WebSocketAttempt, message: WsServerMessage): Outcome | undefined {
  if ('event' in message) {
    if (message.stream_id !== attempt.streamId()) return undefined;
    const id = message.seq === undefined ? undefined : formatEventId(message.stream_id, message.seq);
    return attempt.onEvent({ event: message.event, data: '', id, lastEventId: id ?? '' }, message.data);
  }
  switch (message.type) {
    case 'started':
      attempt.onStarted(message.stream_id);
      return undefined;
    case 'ended':
      // Only a stream cut short ends without `done` (which ends the connection first): follow again.
      return message.stream_id === attempt.streamId()
        ? new StreamError('network_error', 'the server stopped sending the stream before its end')
        : undefined;
    case 'error':
      return new StreamError(serverErrorType(message.error.type), message.error.message, {
        status: STATUS[message.error.type] ?? 400,
        retryAfterMs: STATUS[message.error.type] === 429 ? 1000 : undefined,
      });
    default:
      return undefined;
  }
}
