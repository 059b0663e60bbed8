/**
 * `SSEConsumer`: reads a tidewire stream over `fetch` (browsers and Node), resumes it after
 * a dropped connection or a silent one (heartbeat watchdog), and hands each event to its
 * handler exactly once, in order.
 *
 * - Sequence numbers are checked: an event at or below `lastSeq` is a replay and is skipped;
 *   a gap (`seq > lastSeq + 1`) is reported to `onError` as `sequence_gap` (retrying) and the
 *   connection is dropped and resumed after the last good event, so the missing events come
 *   again. Handlers never see the events after a gap before the ones in it.
 * - The starting request names the generation it asks for (`Idempotency-Key`, a random id
 *   the server uses as the stream's id): cut before the response's headers, it is sent again
 *   with the same key, and the server attaches it to the generation it already started.
 * - A resume is always a GET of the stream URL (`/api/v1/streams/ID`, `Last-Event-ID:
 *   ID:SEQ`): once the server has answered the request that started the stream (often a
 *   POST), that request is never sent again, because it would start and bill a second
 *   generation. The stream's id is taken from the response's `X-Stream-Id` header, or from the
 *   first `id:` line, even when the connection is cut before its event is complete; a server
 *   that gave neither before the cut makes the consumer fail with `stream_lost` rather than
 *   ask again.
 * - HTTP 4xx is final (the contract's error body in `onError`); 429 waits `Retry-After`; 5xx
 *   and network errors retry with capped, fully jittered exponential backoff; after
 *   `maxReconnectAttempts` reconnects in a row without progress it fails with `reconnect_failed`.
 * - One event is bounded (`maxEventSize`): a server cannot make the consumer buffer without
 *   limit; past it the consumer fails with `event_too_large`, final (a resume would read the
 *   same event again).
 * - Generic over the stream's vocabulary `E` (the chat vocabulary by default): handlers are
 *   typed by it, and `events` (a `defineEvents` vocabulary) checks data at run time.
 * - Transport (`transport`, docs/WEBSOCKET.md): SSE, the WebSocket route, or `auto` (default):
 *   SSE, moving to the WebSocket when SSE is buffered or refused on the way (no first event
 *   within `bufferingTimeout`, pings that arrive late in a burst, an HTTP error that is not the
 *   server's, a 200 that is not an event stream) or when the runtime cannot stream a `fetch`.
 *   The move continues the same stream: a start carries a `stream_id` the consumer chose, so
 *   repeating it anywhere reads that stream and never starts a second generation. A move that
 *   worked is remembered for the origin (`rememberTransportMs`).
 * @module
 */
import {
  createParser,
  type EventDataMap,
  formatEventId,
  isStreamId,
  type ParsedEvent,
  parseEventId,
  type SSEParser,
} from '@tidewire/protocol';
import { backoffDelay, retryAfterMs, sleep } from './backoff.ts';
import { ConsumerCallbacks } from './consumer-callbacks.ts';
import { errorFromResponse, isRetryable, StreamError, serverErrorType } from './errors.ts';
import { decodeEvent } from './event-decoder.ts';
import { EventQueue } from './event-queue.ts';
import type {
  ConsumerEvent,
  ConsumerHandlers,
  ConsumerState,
  EventMap,
  ReceivedEvent,
  StateInfo,
  StreamEvents,
} from './handlers.ts';
import { pageUrl, streamUrlAt, streamUrlOf } from './resume-url.ts';
import { createStreamIdSniffer } from './stream-id-sniffer.ts';
import { rememberedTransport, rememberTransport, type Transport } from './transport-memory.ts';
import { chatVocabulary, type EventVocabulary } from './vocabulary.ts';
// Types only: the WebSocket transport is loaded when first used (`loadWebSocketTransport`).
import type { Outcome, WebSocketConstructor } from './websocket-connection.ts';

/** Default bound on one event's buffered text: 1 Mi characters. */
export const DEFAULT_MAX_EVENT_SIZE = 1024 * 1024;

export interface SSEConsumerOptions<E extends EventMap = EventDataMap> extends ConsumerHandlers<E> {
  /**
   * The stream's vocabulary (`defineEvents(…)` of `@tidewire/protocol`): types the handlers
   * and checks each declared event's data. Default: the chat vocabulary of the contract.
   */
  events?: EventVocabulary<E>;
  /**
   * Bound on one event's buffered text (its data and the line being read), in characters
   * (default 1 Mi). Past it the consumer fails with `event_too_large`.
   */
  maxEventSize?: number;
  /** Resume after drops (default true). */
  reconnect?: boolean;
  /** Reconnects in a row without receiving an event before giving up (default 10). */
  maxReconnectAttempts?: number;
  /** Ceiling of the first reconnect delay in ms; doubles each attempt (default 500). */
  reconnectDelay?: number;
  /** Cap of the reconnect delay in ms (default 15000). */
  maxReconnectDelay?: number;
  /** No bytes for this long (ms) means the connection is dead (default 45000; 0 = off). */
  heartbeatTimeout?: number;
  /** Method of the starting request (default POST with a body, else GET). Resumes are GETs. */
  method?: string;
  /** Body of the starting request: a string, or a value sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Aborting it closes the consumer. */
  signal?: AbortSignal;
  /**
   * The stream id the starting request asks the server for (`Idempotency-Key`, and `stream_id`
   * in its fields), so a start sent again after a cut, or on the WebSocket, is attached to the
   * same generation. Default: a random UUID; `false` sends none (and `auto` then never repeats
   * a start on the other transport).
   */
  idempotencyKey?: string | false;
  /** Start by resuming this stream after `seq` instead of sending the starting request. */
  resumeFrom?: { streamId: string; seq: number };
  /** URL of a stream for resumes (default: `/api/v1/streams/ID` on the starting URL's server). */
  resumeUrl?: (streamId: string) => string;
  fetch?: typeof fetch;
  /**
   * How the stream is read: `'sse'`, `'websocket'` (`/api/v1/ws`), or `'auto'` (default): SSE,
   * moving to the WebSocket on its own when SSE is buffered or refused on the way.
   */
  transport?: 'auto' | Transport;
  /** The WebSocket route (default: `/api/v1/ws` on the starting URL's server, `ws:` or `wss:`). */
  webSocketUrl?: string;
  /** The WebSocket constructor (default: the runtime's `WebSocket`). */
  WebSocket?: WebSocketConstructor;
  /** `auto`: SSE that gives no event for this long (ms) after its request is buffered (default 1000). */
  bufferingTimeout?: number;
  /** `auto`: how long (ms) a move to the WebSocket is remembered for the origin (default 1 h; 0 = not). */
  rememberTransportMs?: number;
}

/**
 * The constructor's options: optional for the chat vocabulary; for an app's own vocabulary
 * they must carry it (`events`), else its data would be checked against the chat one.
 */
export type OptionsArgument<E extends EventMap> = [EventDataMap] extends [E]
  ? [options?: SSEConsumerOptions<E>]
  : [options: SSEConsumerOptions<E> & { events: EventVocabulary<E> }];

const DEFAULT_BUFFERING_TIMEOUT = 1000;
const DEFAULT_REMEMBER_MS = 3_600_000;

export class SSEConsumer<E extends EventMap = EventDataMap> extends ConsumerCallbacks<E> {
  /** The starting URL. */
  readonly url: string;
  readonly #options: SSEConsumerOptions<E>;
  readonly #vocabulary: EventVocabulary;
  readonly #fetch: typeof fetch;
  #state: ConsumerState = 'idle';
  #streamId: string | undefined;
  #lastSeq = 0;
  #text = '';
  /** The server has answered the starting request: it must not be sent again. */
  #started = false;
  #connection: AbortController | undefined;
  readonly #closed = new AbortController();
  #running: Promise<void> | undefined;
  #queue: EventQueue<ConsumerEvent<E>> | undefined;
  #transport: Transport;
  /** `transport: 'auto'`, and the WebSocket has not failed to open yet. */
  #auto: boolean;
  /** The WebSocket in use is not known to work yet (an `auto` choice): it may go back to SSE. */
  #tentative = false;
  /** Why `auto` left SSE: what the consumer reports if the WebSocket cannot open either. */
  #switchReason: StreamError | undefined;
  /**
   * The reason was only a slow first event, which a busy server can cause too: the move is
   * remembered for the origin the second time it happens there, not the first.
   */
  #weakSwitch = false;
  /** An SSE event of this consumer arrived in time: SSE gets through this network. */
  #sseWorked = false;
  /**
   * The id this consumer chose for the stream it starts, so a repeated start reads it: sent as
   * `Idempotency-Key` on SSE, and as `stream_id` in the start's fields (`#idInFields`).
   */
  readonly #chosenId: string | undefined;
  /** The start's fields carry `stream_id` too (not with `transport: 'sse'`, nor a non-object body). */
  readonly #idInFields: boolean;
  /**
   * The server said it took `#chosenId` (the WebSocket's `started`). A start is repeated on SSE
   * only after that: a server that ignored the id would start a second generation. The
   * WebSocket route always honours it, so a move there needs no such word.
   */
  #idConfirmed = false;
  /** SSE: the last request got a response (a later network error is a drop, not a refusal). */
  #sseOpened = false;
  /** SSE: waits for the connection's first event (`auto`). */
  #firstEventTimer: ReturnType<typeof setTimeout> | undefined;
  /** SSE: the smallest delay (arrival − server `ts`) of a `hello` or `ping` seen (`auto`). */
  #lateness: number | undefined;

  /**
   * A consumer that continues the stream `streamId` after event `seq` (saved from `streamId`
   * and `lastSeq`, e.g. across a page reload). `baseUrl` is the server (and path prefix).
   */
  static resume<E extends EventMap = EventDataMap>(
    baseUrl: string,
    point: { streamId: string; seq: number },
    ...[options = {}]: OptionsArgument<E>
  ): SSEConsumer<E> {
    const base = pageUrl();
    const withPoint = [{ ...options, resumeFrom: point }] as OptionsArgument<E>;
    return new SSEConsumer<E>(streamUrlAt(baseUrl, point.streamId, base), ...withPoint);
  }

  constructor(url: string, ...[options = {}]: OptionsArgument<E>) {
    super(options);
    this.url = url;
    this.#options = options;
    this.#vocabulary = options.events ?? chatVocabulary;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    if (options.resumeFrom) {
      this.#streamId = options.resumeFrom.streamId;
      this.#lastSeq = options.resumeFrom.seq;
    }
    this.#auto = (options.transport ?? 'auto') === 'auto';
    this.#transport = this.#auto ? this.#autoTransport() : (options.transport as Transport);
    this.#chosenId =
      options.resumeFrom || options.idempotencyKey === false
        ? undefined
        : (options.idempotencyKey ?? randomKey());
    this.#idInFields =
      this.#chosenId !== undefined &&
      options.transport !== 'sse' &&
      startFieldsOf(url, options.body) !== undefined;
    if (options.signal?.aborted) this.close();
    else options.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  get state(): ConsumerState {
    return this.#state;
  }
  /** The stream's id once known (save it with `lastSeq` to resume after a page reload). */
  get streamId(): string | undefined {
    return this.#streamId;
  }
  /** Sequence number of the last event handled. */
  get lastSeq(): number {
    return this.#lastSeq;
  }
  /** The answer so far: every `delta` handled, joined. */
  get text(): string {
    return this.#text;
  }
  /** The transport in use: `'sse'`, or `'websocket'` (chosen, or moved to by `auto`). */
  get transport(): Transport {
    return this.#transport;
  }

  /**
   * Connects and reads until the stream ends (`done`), fails, or `close()`; never rejects
   * (failures go to `onError` and the `failed` state). Calling it again returns the same promise.
   */
  connect(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  /** Stops reading and releases the connection (the generation on the server goes on). */
  close(): void {
    if (this.#closed.signal.aborted) return;
    this.#closed.abort();
    this.#connection?.abort();
    if (this.#state !== 'done' && this.#state !== 'failed') this.#setState('closed', { attempt: 0 });
    this.#queue?.end();
  }

  /**
   * Iterates the stream's events (from the first one handled after this call); connects if
   * needed. Leaving the loop early (`break`) closes the consumer; a failure rejects it.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<ConsumerEvent<E>> {
    this.#queue ??= new EventQueue<ConsumerEvent<E>>(() => this.close());
    const queue = this.#queue;
    void this.connect().then(() => queue.end());
    return queue;
  }

  async #run(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (this.#closed.signal.aborted) return;
      this.#setState(attempt === 0 ? 'connecting' : 'reconnecting', { attempt });
      const seqBefore = this.#lastSeq;
      const outcome = await this.#connectOnce().catch((error: unknown) => asStreamError(error));
      if (outcome === 'done' || this.#closed.signal.aborted) return;
      // Progress resets the count: the limit is on reconnects in a row that get nothing.
      if (this.#lastSeq > seqBefore) attempt = 0;
      // A move is not a reconnect: it uses no attempt, and says nothing until it fails too.
      if (this.#switchToWebSocket(outcome)) {
        attempt--;
        continue;
      }
      const final = this.#finalError(outcome, attempt);
      if (final) return this.#fail(final);
      const retrying = outcome.asRetrying();
      this.emitError(retrying);
      await this.#waitBeforeRetry(attempt + 1, retrying);
    }
  }

  /** The error to stop with after `reason` ended connection `attempt`, or undefined to retry. */
  #finalError(reason: StreamError, attempt: number): StreamError | undefined {
    const { reconnect = true, maxReconnectAttempts = 10 } = this.#options;
    if (!isRetryable(reason) || !reconnect) return reason;
    if (this.#started && !this.#streamId && !this.#idConfirmed) {
      return new StreamError(
        'stream_lost',
        `the connection was lost before the stream's first event (${reason.message}); not asking again, which would start a second answer`,
        { cause: reason },
      );
    }
    if (attempt + 1 > maxReconnectAttempts) {
      return new StreamError(
        'reconnect_failed',
        `gave up after ${attempt + 1} attempts to reach the stream; last error: ${reason.message}`,
        { status: reason.status, cause: reason },
      );
    }
    return undefined;
  }

  async #waitBeforeRetry(attempt: number, error: StreamError): Promise<void> {
    const { reconnectDelay = 500, maxReconnectDelay = 15_000 } = this.#options;
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    this.#setState(offline ? 'offline' : 'reconnecting', { attempt, error });
    if (offline && typeof window !== 'undefined') {
      // Offline: wait for the browser to say it is back (or the longest delay), not for backoff.
      const online = new AbortController();
      const wake = () => online.abort();
      window.addEventListener('online', wake, { once: true });
      this.#closed.signal.addEventListener('abort', wake, { once: true });
      await sleep(maxReconnectDelay, online.signal);
      window.removeEventListener('online', wake);
      this.#closed.signal.removeEventListener('abort', wake);
      return;
    }
    const delay = error.retryAfterMs ?? backoffDelay(attempt, reconnectDelay, maxReconnectDelay);
    await sleep(delay, this.#closed.signal);
  }

  /** One connection on the transport in use. */
  #connectOnce(): Promise<Outcome> {
    return this.#transport === 'websocket' ? this.#connectWebSocket() : this.#connectSSE();
  }

  /** One HTTP request and the reading of its body; `auto` stops it when it looks buffered. */
  async #connectSSE(): Promise<Outcome> {
    const connection = new AbortController();
    this.#connection = connection;
    if (this.#closed.signal.aborted) connection.abort();
    let buffered: StreamError | undefined;
    if (this.#auto) {
      const timeout = this.#options.bufferingTimeout ?? DEFAULT_BUFFERING_TIMEOUT;
      this.#firstEventTimer = setTimeout(() => {
        buffered = new StreamError(
          'sse_buffered',
          `no event within ${timeout} ms: the response is held on the way`,
        );
        this.#weakSwitch = true;
        connection.abort();
      }, timeout);
    }
    try {
      const outcome = await this.#requestSSE(connection);
      return buffered ?? outcome;
    } catch (error) {
      if (buffered) return buffered;
      throw error;
    } finally {
      clearTimeout(this.#firstEventTimer);
    }
  }

  async #requestSSE(connection: AbortController): Promise<Outcome> {
    this.#sseOpened = false;
    const response = await this.#fetch(this.#requestUrl(), this.#requestInit(connection.signal)).catch(
      (error: Error) => {
        throw new StreamError('network_error', `cannot reach the stream: ${error.message}`, { cause: error });
      },
    );
    this.#sseOpened = true;
    if (!response.ok) {
      const wait = response.status === 429 ? retryAfterMs(response.headers.get('retry-after')) : undefined;
      return errorFromResponse(response, wait);
    }
    const type = response.headers.get('content-type');
    if (!type?.includes('text/event-stream') || !response.body) {
      await response.body?.cancel();
      return new StreamError('bad_response', `expected an event stream, got ${type ?? 'no content type'}`, {
        status: response.status,
      });
    }
    this.#started = true;
    this.#streamId ??= streamIdHeader(response.headers);
    this.#setState('streaming', { attempt: 0 });
    return this.#read(response.body, connection);
  }

  /** One WebSocket connection; an `auto` choice that cannot open goes back to SSE for good. */
  async #connectWebSocket(): Promise<Outcome> {
    const transport = await loadWebSocketTransport();
    if (transport instanceof StreamError) return this.#webSocketFailed(transport);
    // Closed while the transport loaded: no socket to open (the run ends on this outcome).
    if (this.#closed.signal.aborted) return new StreamError('network_error', 'the consumer was closed');
    // The request is built now, after the load: it asks from the resume point of this moment.
    const { outcome, opened } = await transport.readWebSocket({
      startUrl: this.url,
      url: this.#options.webSocketUrl,
      WebSocket: this.#options.WebSocket,
      headers: this.#options.headers,
      request: this.#streamId
        ? { type: 'follow', stream_id: this.#streamId, after: this.#lastSeq }
        : { type: 'start', ...startFieldsOf(this.url, this.#options.body), stream_id: this.#chosenId },
      signal: this.#closed.signal,
      streamId: () => this.#streamId ?? this.#chosenId,
      onOpen: () => {
        if (
          this.#tentative &&
          (!this.#weakSwitch || transport.recordStrike(this.#origin(), this.#rememberMs()))
        )
          this.#remember('websocket');
        this.#tentative = false;
        this.#setState('streaming', { attempt: 0 });
      },
      onStarted: (streamId) => {
        this.#started = true;
        this.#idConfirmed = true;
        this.#streamId ??= streamId;
      },
      onEvent: (parsed, data) => this.#accept(parsed, { data }),
    });
    return opened || outcome === 'done' ? outcome : this.#webSocketFailed(outcome);
  }

  /** The WebSocket did not open: an `auto` choice goes back to SSE (and stops switching). */
  #webSocketFailed(error: StreamError): StreamError {
    if (!this.#tentative) return error;
    this.#tentative = false;
    this.#auto = false;
    this.#transport = 'sse';
    this.#remember('sse', 0);
    return this.#switchReason ?? error;
  }

  /**
   * Moves an `auto` consumer from SSE to the WebSocket after `outcome`, when it can help: SSE
   * is buffered, or it is refused (an HTTP error no tidewire server wrote: the `http_…` types;
   * a 200 that is not an event stream; no response at all) before it ever worked here. A
   * refusal after SSE worked is something else (a captive portal, the server gone) and a drop
   * after a response is an ordinary drop: both are retried on SSE.
   */
  #switchToWebSocket(outcome: StreamError): boolean {
    if (!this.#auto || this.#transport !== 'sse') return false;
    const refused =
      outcome.type === 'bad_response' ||
      outcome.type.startsWith('http_') ||
      (outcome.type === 'network_error' && !this.#sseOpened);
    if (outcome.type !== 'sse_buffered' && !(refused && !this.#sseWorked)) return false;
    // A start never answered, without an id of our own: repeating it could bill twice.
    if (this.#started && !this.#streamId && !this.#chosenId) return false;
    this.#transport = 'websocket';
    this.#tentative = true;
    this.#switchReason = outcome;
    return true;
  }

  #rememberMs(): number {
    return this.#options.rememberTransportMs ?? DEFAULT_REMEMBER_MS;
  }

  /** The transport that worked, or (for 0 ms) forgetting it. */
  #remember(transport: Transport, forMs = this.#rememberMs()): void {
    if (transport === 'websocket' && forMs <= 0) return;
    rememberTransport(this.#origin(), transport, forMs);
  }

  /** `auto`'s first choice: what worked here before, else SSE where `fetch` can stream. */
  #autoTransport(): Transport {
    const remembered = rememberedTransport(this.#origin());
    if (remembered) {
      this.#tentative = remembered === 'websocket';
      return remembered;
    }
    if (this.#options.fetch || streamingFetch()) return 'sse';
    this.#tentative = true;
    return 'websocket';
  }

  #origin(): string {
    return new URL(this.url, pageUrl()).origin;
  }

  #requestUrl(): string {
    if (!this.#streamId && this.#idInFields && this.#options.body === undefined) {
      const url = new URL(this.url, pageUrl());
      url.searchParams.set('stream_id', this.#chosenId!);
      return url.href;
    }
    if (!this.#streamId) return this.url;
    if (this.#options.resumeUrl) return this.#options.resumeUrl(this.#streamId);
    const base = pageUrl();
    return streamUrlOf(this.url, this.#streamId, base);
  }

  /** The `fetch` options of the starting request (its method, body and key) or of a resume. */
  #requestInit(signal: AbortSignal): RequestInit {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...this.#options.headers };
    // A resume is a GET whatever the start was.
    const init: RequestInit = { headers, signal, cache: 'no-store', method: 'GET' };
    if (this.#streamId) {
      headers['last-event-id'] = formatEventId(this.#streamId, this.#lastSeq);
      return init;
    }
    if (this.#chosenId) headers['idempotency-key'] = this.#chosenId;
    const { body, method = body === undefined ? 'GET' : 'POST' } = this.#options;
    init.method = method;
    if (body === undefined) return init;
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
    init.body = this.#idInFields
      ? JSON.stringify({ ...startFieldsOf(this.url, body), stream_id: this.#chosenId })
      : typeof body === 'string'
        ? body
        : JSON.stringify(body);
    return init;
  }

  /** Reads a body until the stream's `done`, a gap, silence, or the connection's end. */
  async #read(body: ReadableStream<Uint8Array>, connection: AbortController): Promise<Outcome> {
    let outcome: Outcome | undefined;
    // Once there is an outcome, later events (even of the same chunk) are not looked at.
    const parser = this.#createParser((next) => {
      outcome ??= next();
    });
    const sniffer = this.#streamId ? undefined : createStreamIdSniffer();
    const reader = body.getReader();
    const { heartbeatTimeout = 45_000 } = this.#options;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      if (heartbeatTimeout <= 0) return;
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        outcome ??= new StreamError('heartbeat_timeout', `no data for ${heartbeatTimeout} ms`);
        connection.abort();
      }, heartbeatTimeout);
    };
    try {
      arm();
      while (!outcome) {
        const { value, done } = await reader.read();
        if (done) return new StreamError('network_error', 'the connection closed before the stream ended');
        arm();
        if (sniffer && !this.#streamId) this.#streamId = sniffer.feed(value);
        parser.feed(value);
      }
      return outcome;
    } catch (error) {
      return (
        outcome ??
        new StreamError('network_error', `the connection dropped: ${(error as Error).message}`, {
          cause: error,
        })
      );
    } finally {
      clearTimeout(watchdog);
      // Release the connection whatever happened: an unread body keeps a socket busy.
      reader.cancel().catch(() => {});
      connection.abort();
    }
  }

  /**
   * An SSE parser whose events go to `#accept`, bounded by `maxEventSize`: on the characters
   * it buffers while an event arrives (its data, the line being read), and on a whole event
   * that came in one piece, so the bound holds however the bytes are cut. `handle` gets each
   * step as a function, to call unless the connection already has its outcome.
   */
  #createParser(handle: (next: () => Outcome | undefined) => void): SSEParser {
    const { maxEventSize = DEFAULT_MAX_EVENT_SIZE } = this.#options;
    const tooLarge = (cause?: unknown) =>
      new StreamError(
        'event_too_large',
        `an event of the stream is larger than ${maxEventSize} characters (maxEventSize); not reading on`,
        { cause },
      );
    return createParser({
      maxBufferSize: maxEventSize,
      onEvent: (parsed) =>
        handle(() => (parsed.data.length > maxEventSize ? tooLarge() : this.#accept(parsed))),
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') handle(() => tooLarge(error));
      },
    });
  }

  /**
   * Checks one event's place in the sequence and dispatches it; returns why to stop, if so.
   * `given` is its data when the transport already parsed it.
   */
  #accept(parsed: ParsedEvent, given?: { data: unknown }): Outcome | undefined {
    clearTimeout(this.#firstEventTimer);
    const late = given ? undefined : this.#lateBurst(parsed);
    if (late) return late;
    if (!given) this.#sseWorked = true;
    const id = parsed.id === undefined ? undefined : parseEventId(parsed.id);
    if (parsed.id !== undefined && !id)
      return new StreamError('bad_event', `malformed event id "${parsed.id}"`);
    if (id) {
      this.#streamId ??= id.streamId;
      if (id.streamId !== this.#streamId)
        return new StreamError('bad_event', `event of another stream (${id.streamId}) in ${this.#streamId}`);
      if (id.seq <= this.#lastSeq) return undefined;
      if (id.seq !== this.#lastSeq + 1) {
        return new StreamError(
          'sequence_gap',
          `expected event ${this.#lastSeq + 1}, got ${id.seq}; resuming`,
        );
      }
      this.#lastSeq = id.seq;
    }
    const decoded = decodeEvent(parsed, id, this.#vocabulary, given);
    if (decoded.ok) return this.#dispatch(decoded.event, decoded.declared);
    // An event with bad data is reported and skipped; its sequence number is used up.
    this.emitError(new StreamError('bad_event', decoded.message, { retrying: true }));
    return undefined;
  }

  /**
   * Hands an event to its handlers (events the vocabulary does not declare too: `on(name)`,
   * `on('*')`) and to the iterator (declared events only: its type is the vocabulary's).
   */
  #dispatch(event: ReceivedEvent, declared: boolean): Outcome | undefined {
    const data = event.data as Record<string, unknown>;
    if (event.event === 'delta' && typeof data.text === 'string') this.#text += data.text;
    if (declared) this.#queue?.push(event as ConsumerEvent<E>);
    if (event.event === 'error') {
      // Final for the answer, but not a reason to reconnect: `done` {reason: "error"} follows.
      this.emitError(new StreamError(serverErrorType(data.type as string), data.message as string));
    }
    this.emitEvent(event);
    if (event.event !== 'done') return undefined;
    this.#setState('done', { attempt: 0 });
    if (data.reason === 'stop' || data.reason === 'length')
      this.emitComplete(this.#text, data as StreamEvents<E>['done']);
    return 'done';
  }

  /**
   * `auto` on SSE: a `ping` that comes later after its server `ts` than the earliest `hello` or
   * `ping` did, by more than `bufferingTimeout`, was held on the way (the clocks' offset cancels).
   */
  #lateBurst(parsed: ParsedEvent): StreamError | undefined {
    if (!this.#auto || (parsed.event !== 'ping' && parsed.event !== 'hello')) return undefined;
    const ts = /"ts":(\d+)/.exec(parsed.data)?.[1];
    if (ts === undefined) return undefined;
    const lateness = Date.now() - Number(ts);
    this.#lateness = Math.min(this.#lateness ?? lateness, lateness);
    const bound = this.#options.bufferingTimeout ?? DEFAULT_BUFFERING_TIMEOUT;
    if (parsed.event !== 'ping' || lateness - this.#lateness <= bound) return undefined;
    return new StreamError(
      'sse_buffered',
      `a heartbeat arrived ${lateness - this.#lateness} ms late: the response is held on the way`,
    );
  }

  #fail(error: StreamError): void {
    this.emitError(error);
    this.#setState('failed', { attempt: 0, error });
    this.#queue?.end(error);
  }

  #setState(state: ConsumerState, info: StateInfo): void {
    if (this.#state === state && state !== 'reconnecting' && state !== 'offline') return;
    this.#state = state;
    this.emitState(state, { ...info, transport: this.#transport });
  }
}

/**
 * A random UUID (v4). `crypto.randomUUID` exists only in secure contexts (HTTPS, localhost);
 * a page served over plain HTTP on a LAN address builds one from `getRandomValues`.
 */
function randomKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The stream id a response names in `X-Stream-Id`, when well formed. */
function streamIdHeader(headers: Headers): string | undefined {
  const value = headers.get('x-stream-id');
  return value !== null && isStreamId(value) ? value : undefined;
}

/** Whether `fetch` can hand out a response body as it arrives. */
function streamingFetch(): boolean {
  return (
    typeof fetch === 'function' &&
    typeof ReadableStream === 'function' &&
    typeof Response === 'function' &&
    'body' in Response.prototype
  );
}

/**
 * The fields of a start (a JSON object body, or the starting URL's query for a GET), or
 * undefined when the body is not a JSON object (then the consumer cannot add `stream_id`).
 */
function startFieldsOf(url: string, body: unknown): Record<string, unknown> | undefined {
  let fields = body;
  if (typeof body === 'string') {
    try {
      fields = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (fields === undefined) {
    const query = new URL(url, pageUrl() ?? 'http://localhost').searchParams;
    return Object.fromEntries(query);
  }
  return typeof fields === 'object' && fields !== null && !Array.isArray(fields)
    ? (fields as Record<string, unknown>)
    : undefined;
}

/**
 * The WebSocket transport's module, loaded on first use (a dynamic import): a bundler puts it
 * in a chunk of its own, which a page downloads only when SSE is blocked or the WebSocket is
 * chosen. A load that fails (the chunk cannot be fetched) is a `network_error`, as a socket
 * that cannot open: retried, or for an `auto` choice back to SSE.
 */
function loadWebSocketTransport(): Promise<typeof import('./websocket-connection.ts') | StreamError> {
  return import('./websocket-connection.ts').catch(
    (error: Error) =>
      new StreamError('network_error', `cannot load the WebSocket transport: ${error.message}`, {
        cause: error,
      }),
  );
}

function asStreamError(error: unknown): StreamError {
  if (error instanceof StreamError) return error;
  return new StreamError('network_error', (error as Error)?.message ?? String(error), { cause: error });
}
