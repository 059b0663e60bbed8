/**
 * `SSEConsumer`: reads a tidewire stream over `fetch` (browsers and Node), resumes it after
 * a dropped connection or a silent one (heartbeat watchdog) with `Last-Event-ID`, and hands
 * each event to its handler exactly once, in order: sequence numbers are checked, a duplicate
 * is skipped, a gap is an error and a reconnect from the last good event. A resume is always
 * a GET of the stream URL: the request that started the stream (often a POST) is never sent
 * again once the stream exists, because that would start and bill a second generation.
 * @module
 */
import {
  createParser,
  decodeStreamEvent,
  type EventDataMap,
  type EventName,
  formatEventId,
  type StreamEvent,
} from '@tidewire/protocol';
import { backoffDelay, retryAfterMs, sleep } from './backoff.ts';
import { errorFromResponse, StreamError } from './errors.ts';
import { EventQueue } from './event-queue.ts';

export type ConsumerState =
  | 'idle'
  | 'connecting'
  | 'streaming'
  | 'reconnecting'
  | 'offline'
  | 'done'
  | 'failed'
  | 'closed';

export interface StateInfo {
  /** Reconnect attempt number (0 for the first connection). */
  attempt: number;
  error?: StreamError;
}

type Handler<K extends EventName> = (
  data: EventDataMap[K],
  event: Extract<StreamEvent, { event: K }>,
) => void;

export interface ConsumerHandlers {
  onHello?: Handler<'hello'>;
  onStart?: Handler<'start'>;
  onConversation?: Handler<'conversation'>;
  onMetadata?: Handler<'metadata'>;
  onDelta?: Handler<'delta'>;
  onProgress?: Handler<'progress'>;
  onPreview?: Handler<'preview'>;
  onPing?: Handler<'ping'>;
  onDone?: Handler<'done'>;
  /** The whole answer, once `done` says it finished (`stop` or `length`). */
  onComplete?: (text: string, done: EventDataMap['done']) => void;
  /** Stream `error` events, HTTP errors, gaps; `error.retrying` says whether it goes on. */
  onError?: (error: StreamError) => void;
  onStateChange?: (state: ConsumerState, info: StateInfo) => void;
}

export interface SSEConsumerOptions extends ConsumerHandlers {
  /** Resume after drops (default true). */
  reconnect?: boolean;
  /** Reconnects in a row without receiving an event before giving up (default 10). */
  maxReconnectAttempts?: number;
  /** First reconnect delay in ms; doubles each attempt (default 500). */
  reconnectDelay?: number;
  /** Cap of the reconnect delay in ms (default 15000). */
  maxReconnectDelay?: number;
  /** No bytes for this long (ms) means the connection is dead (default 45000; 0 = off). */
  heartbeatTimeout?: number;
  method?: 'GET' | 'POST';
  /** JSON body of the starting request (objects are serialized). */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Start by resuming this stream after `seq` instead of sending the starting request. */
  resumeFrom?: { streamId: string; seq: number };
  /** URL of a stream for resumes (default: `/api/v1/streams/ID` on the starting URL's origin). */
  resumeUrl?: (streamId: string) => string;
  fetch?: typeof fetch;
}

const HANDLER_OF = {
  hello: 'onHello',
  start: 'onStart',
  conversation: 'onConversation',
  metadata: 'onMetadata',
  delta: 'onDelta',
  progress: 'onProgress',
  preview: 'onPreview',
  ping: 'onPing',
  done: 'onDone',
  error: undefined,
} as const satisfies Record<EventName, keyof ConsumerHandlers | undefined>;

/** Why a connection ended, as far as the read loop is concerned. */
type ReadOutcome = 'done' | 'ended' | 'gap' | 'heartbeat';

export class SSEConsumer implements ConsumerHandlers {
  onHello?: Handler<'hello'>;
  onStart?: Handler<'start'>;
  onConversation?: Handler<'conversation'>;
  onMetadata?: Handler<'metadata'>;
  onDelta?: Handler<'delta'>;
  onProgress?: Handler<'progress'>;
  onPreview?: Handler<'preview'>;
  onPing?: Handler<'ping'>;
  onDone?: Handler<'done'>;
  onComplete?: ConsumerHandlers['onComplete'];
  onError?: ConsumerHandlers['onError'];
  onStateChange?: ConsumerHandlers['onStateChange'];

  readonly url: string;
  readonly #options: SSEConsumerOptions;
  readonly #fetch: typeof fetch;
  #state: ConsumerState = 'idle';
  #streamId: string | undefined;
  #lastSeq = 0;
  #text = '';
  #connection: AbortController | undefined;
  #closed = new AbortController();
  #running: Promise<void> | undefined;
  #queue: EventQueue<StreamEvent> | undefined;

  constructor(url: string, options: SSEConsumerOptions = {}) {
    this.url = url;
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    Object.assign(this, pickHandlers(options));
    if (options.resumeFrom) {
      this.#streamId = options.resumeFrom.streamId;
      this.#lastSeq = options.resumeFrom.seq;
    }
    options.signal?.addEventListener('abort', () => this.close(), { once: true });
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
  /** The answer so far. */
  get text(): string {
    return this.#text;
  }

  /** Connects and reads until the stream ends, fails, or `close()`. Calling it again returns the same promise. */
  connect(): Promise<void> {
    this.#running ??= this.#run();
    return this.#running;
  }

  /** Stops reading and releases the connection. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#closed.abort();
    this.#connection?.abort();
    if (this.#state !== 'done' && this.#state !== 'failed') this.#setState('closed', { attempt: 0 });
    this.#queue?.end();
  }

  /** Iterates the stream's events; starts the connection if needed. */
  [Symbol.asyncIterator](): AsyncIterableIterator<StreamEvent> {
    this.#queue ??= new EventQueue<StreamEvent>();
    const queue = this.#queue;
    this.connect().then(
      () => queue.end(),
      (error: Error) => queue.end(error),
    );
    return queue;
  }

  async #run(): Promise<void> {
    const { reconnect = true, maxReconnectAttempts = 10 } = this.#options;
    for (let attempt = 0; ; attempt++) {
      if (this.#closed.signal.aborted) return;
      this.#setState(attempt === 0 ? 'connecting' : 'reconnecting', { attempt });
      const seqBefore = this.#lastSeq;
      let wait: number | undefined;
      try {
        const outcome = await this.#connectOnce();
        if (outcome === 'done') return;
        if (outcome === 'gap' || outcome === 'heartbeat') this.#connection?.abort();
      } catch (error) {
        if (this.#closed.signal.aborted) return;
        const failure = asStreamError(error);
        const retryable = failure.status === undefined || failure.status === 429 || failure.status >= 500;
        if (!retryable || !reconnect) return this.#fail(failure);
        this.#emitError(
          new StreamError(failure.type, failure.message, { status: failure.status, retrying: true }),
        );
        wait = (failure as StreamError & { retryAfterMs?: number }).retryAfterMs;
      }
      if (this.#closed.signal.aborted) return;
      if (this.#lastSeq > seqBefore) attempt = 0;
      if (!reconnect || attempt + 1 > maxReconnectAttempts) {
        return this.#fail(
          new StreamError('reconnect_failed', `gave up after ${attempt + 1} attempts to reach the stream`),
        );
      }
      await this.#waitBeforeRetry(attempt + 1, wait);
    }
  }

  async #waitBeforeRetry(attempt: number, retryAfter: number | undefined): Promise<void> {
    const { reconnectDelay = 500, maxReconnectDelay = 15_000 } = this.#options;
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    this.#setState(offline ? 'offline' : 'reconnecting', { attempt });
    const delay = retryAfter ?? backoffDelay(attempt, reconnectDelay, maxReconnectDelay);
    if (offline && typeof window !== 'undefined') {
      const online = new AbortController();
      const wake = () => online.abort();
      window.addEventListener('online', wake, { once: true });
      this.#closed.signal.addEventListener('abort', wake, { once: true });
      await sleep(maxReconnectDelay, online.signal);
      window.removeEventListener('online', wake);
      return;
    }
    await sleep(delay, this.#closed.signal);
  }

  /** One HTTP request and the reading of its body. */
  async #connectOnce(): Promise<ReadOutcome> {
    const connection = new AbortController();
    this.#connection = connection;
    const response = await this.#fetch(this.#requestUrl(), this.#requestInit(connection.signal)).catch(
      (error) => {
        throw new StreamError('network_error', `cannot reach the stream: ${(error as Error).message}`, {
          cause: error,
        });
      },
    );
    if (!response.ok) {
      const error = await errorFromResponse(response, false);
      const retry = response.status === 429 ? retryAfterMs(response.headers.get('retry-after')) : undefined;
      throw Object.assign(error, { retryAfterMs: retry });
    }
    if (!response.headers.get('content-type')?.includes('text/event-stream') || !response.body) {
      await response.body?.cancel();
      throw new StreamError(
        'bad_response',
        `expected an event stream, got ${response.headers.get('content-type')}`,
        {
          status: 400,
        },
      );
    }
    this.#setState('streaming', { attempt: 0 });
    return this.#read(response.body, connection);
  }

  #requestUrl(): string {
    if (!this.#streamId) return this.url;
    if (this.#options.resumeUrl) return this.#options.resumeUrl(this.#streamId);
    const base = typeof location === 'undefined' ? this.url : new URL(this.url, location.href).href;
    return new URL(`/api/v1/streams/${encodeURIComponent(this.#streamId)}`, base).href;
  }

  #requestInit(signal: AbortSignal): RequestInit {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...this.#options.headers };
    if (this.#streamId) {
      headers['last-event-id'] = formatEventId(this.#streamId, this.#lastSeq);
      return { method: 'GET', headers, signal, cache: 'no-store' };
    }
    const { method = this.#options.body === undefined ? 'GET' : 'POST', body } = this.#options;
    if (body === undefined) return { method, headers, signal, cache: 'no-store' };
    headers['content-type'] ??= 'application/json';
    return {
      method,
      headers,
      signal,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      cache: 'no-store',
    };
  }

  /** Reads a body until it ends; returns why it stopped. */
  async #read(body: ReadableStream<Uint8Array>, connection: AbortController): Promise<ReadOutcome> {
    let outcome: ReadOutcome | undefined;
    const parser = createParser({
      onEvent: (parsed) => {
        if (outcome) return;
        const decoded = decodeStreamEvent(parsed);
        if (!decoded.ok)
          return this.#emitError(new StreamError('bad_event', decoded.message, { retrying: true }));
        outcome = this.#accept(decoded.event);
      },
    });
    const reader = body.getReader();
    const { heartbeatTimeout = 45_000 } = this.#options;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      if (heartbeatTimeout <= 0) return;
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        outcome ??= 'heartbeat';
        connection.abort();
      }, heartbeatTimeout);
    };
    try {
      arm();
      while (!outcome) {
        const { value, done } = await reader.read();
        if (done) return 'ended';
        arm();
        parser.feed(value);
      }
      return outcome;
    } catch (error) {
      if (outcome) return outcome;
      if (this.#closed.signal.aborted) return 'ended';
      throw new StreamError('network_error', `the connection dropped: ${(error as Error).message}`, {
        cause: error,
      });
    } finally {
      clearTimeout(watchdog);
      reader.cancel().catch(() => {});
      if (outcome === 'heartbeat') {
        this.#emitError(
          new StreamError('heartbeat_timeout', `no data for ${heartbeatTimeout} ms`, { retrying: true }),
        );
      }
    }
  }

  /** Checks one event's place in the sequence and dispatches it. */
  #accept(event: StreamEvent): ReadOutcome | undefined {
    if (event.seq === undefined) {
      this.#dispatch(event);
      return undefined;
    }
    if (this.#streamId && event.streamId !== this.#streamId) {
      this.#emitError(
        new StreamError('bad_event', `event of another stream (${event.streamId})`, { retrying: true }),
      );
      return 'gap';
    }
    if (event.seq <= this.#lastSeq) return undefined;
    if (event.seq !== this.#lastSeq + 1) {
      this.#emitError(
        new StreamError('sequence_gap', `expected event ${this.#lastSeq + 1}, got ${event.seq}; resuming`, {
          retrying: true,
        }),
      );
      return 'gap';
    }
    this.#streamId ??= event.streamId;
    this.#lastSeq = event.seq;
    this.#dispatch(event);
    if (event.event !== 'done') return undefined;
    this.#setState('done', { attempt: 0 });
    if (event.data.reason === 'stop' || event.data.reason === 'length')
      this.onComplete?.(this.#text, event.data);
    return 'done';
  }

  #dispatch(event: StreamEvent): void {
    if (event.event === 'delta') this.#text += event.data.text;
    this.#queue?.push(event);
    if (event.event === 'error') {
      this.#emitError(new StreamError(event.data.type, event.data.message));
      return;
    }
    const name = HANDLER_OF[event.event];
    (this[name] as ((data: unknown, event: StreamEvent) => void) | undefined)?.(event.data, event);
  }

  #fail(error: StreamError): void {
    this.#emitError(error);
    this.#setState('failed', { attempt: 0, error });
    this.#queue?.end(error);
  }

  #emitError(error: StreamError): void {
    this.onError?.(error);
  }

  #setState(state: ConsumerState, info: StateInfo): void {
    if (this.#state === state && state !== 'reconnecting') return;
    this.#state = state;
    this.onStateChange?.(state, info);
  }
}

function asStreamError(error: unknown): StreamError {
  if (error instanceof StreamError) return error;
  return new StreamError('network_error', (error as Error)?.message ?? String(error), { cause: error });
}

function pickHandlers(options: SSEConsumerOptions): ConsumerHandlers {
  const names = [...Object.values(HANDLER_OF), 'onComplete', 'onError', 'onStateChange'] as const;
  const handlers: Record<string, unknown> = {};
  for (const name of names) if (name && options[name]) handlers[name] = options[name];
  return handlers as ConsumerHandlers;
}
