/**
 * The consumer's callbacks and their types. Each event has a handler typed by the stream's
 * vocabulary (`E`: event name → data; the chat vocabulary of `@tidewire/protocol` by
 * default), plus `onComplete`, `onError` and `onStateChange`. Handlers are given two ways:
 * as option fields (`{ onDelta: fn }`, or `consumer.onDelta = fn`: one per event) and by
 * calling `consumer.onDelta(fn)` / `consumer.on('delta', fn)` (any number; each call
 * returns its unsubscribe function).
 * @module
 */
import type { EventDataMap } from '@tidewire/protocol';
import type { StreamError } from './errors.ts';

/** Event name → data type: a stream's vocabulary. */
export type { EventMap } from '@tidewire/protocol';

import type { EventMap } from '@tidewire/protocol';

/** What the page shows about the connection. `idle` is before `connect()`. */
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
  /** Reconnect attempt number: 0 for the first connection and while streaming, then 1, 2, … */
  attempt: number;
  /** Why the consumer is reconnecting or failed. */
  error?: StreamError;
  /** The transport of the connection (`'sse'` or `'websocket'`; `auto` may move to the WebSocket). */
  transport?: 'sse' | 'websocket';
}

/** The events every stream has, whatever its vocabulary (a vocabulary may type them closer). */
export interface ReservedEventData {
  hello: { stream_id?: string; [field: string]: unknown };
  done: { reason: string; [field: string]: unknown };
  error: { type: string; message: string };
  ping: { ts: number };
}

/** The contract's `audio` event: one chunk of spoken audio, in playing order. */
export interface AudioData {
  seq: number;
  format: string;
  url: string;
}

/** A vocabulary with the reserved events it does not declare itself. */
export type StreamEvents<E extends EventMap> = E & Omit<ReservedEventData, keyof E>;
/** The events handlers can be given for: the stream's, and the contract's `audio`. */
export type HandledEvents<E extends EventMap> = StreamEvents<E> & Omit<{ audio: AudioData }, keyof E>;
/** Names `consumer.on(name, fn)` takes: a misspelt one is a type error. */
export type HandledEventName<E extends EventMap> = keyof HandledEvents<E> & string;

type DataOf<M, K extends string> = K extends keyof M ? M[K] : unknown;

/** One event as handlers and the iterator see it. `seq` is absent only on `ping`. */
export interface ReceivedEvent<K extends string = string, D = unknown> {
  event: K;
  data: D;
  streamId?: string;
  seq?: number;
}

/** Every event of vocabulary `E`, as a union narrowed by `event.event`. */
export type ConsumerEvent<E extends EventMap = EventDataMap> = {
  [K in keyof StreamEvents<E> & string]: ReceivedEvent<K, StreamEvents<E>[K]>;
}[keyof StreamEvents<E> & string];

export type EventHandler<K extends string, E extends EventMap = EventDataMap> = (
  data: DataOf<HandledEvents<E>, K>,
  event: ReceivedEvent<K, DataOf<HandledEvents<E>, K>>,
) => void;

/** Any event, by any name (`consumer.on('*', fn)`), declared or not. */
export type AnyEventHandler = (data: unknown, event: ReceivedEvent) => void;

export type CompleteHandler<E extends EventMap = EventDataMap> = (
  text: string,
  done: StreamEvents<E>['done'],
) => void;
export type ErrorHandler = (error: StreamError) => void;
export type StateHandler = (state: ConsumerState, info: StateInfo) => void;

/** Removes the handler it was returned for. */
export type Unsubscribe = () => void;
/** `consumer.onDelta(fn)`: adds a handler, returns its unsubscribe function. */
export type Subscribe<H> = (handler: H) => Unsubscribe;

export interface ConsumerHandlers<E extends EventMap = EventDataMap> {
  onHello?: EventHandler<'hello', E>;
  onStart?: EventHandler<'start', E>;
  onConversation?: EventHandler<'conversation', E>;
  onMetadata?: EventHandler<'metadata', E>;
  onDelta?: EventHandler<'delta', E>;
  onProgress?: EventHandler<'progress', E>;
  onPreview?: EventHandler<'preview', E>;
  onAudio?: EventHandler<'audio', E>;
  onReasoning?: EventHandler<'reasoning', E>;
  onToolInputDelta?: EventHandler<'tool_input_delta', E>;
  onToolCall?: EventHandler<'tool_call', E>;
  onToolResult?: EventHandler<'tool_result', E>;
  onSource?: EventHandler<'source', E>;
  onFile?: EventHandler<'file', E>;
  onPing?: EventHandler<'ping', E>;
  onDone?: EventHandler<'done', E>;
  /** The whole answer (every `delta` joined), once `done` says it finished (`stop` or `length`). */
  onComplete?: CompleteHandler<E>;
  /**
   * Stream `error` events (the answer failed; `done` follows), HTTP errors, drops, gaps.
   * `error.retrying` says whether the consumer reconnects after it; the last error before
   * the `failed` state has `retrying` false.
   */
  onError?: ErrorHandler;
  onStateChange?: StateHandler;
}

/** The event each named event handler is for. */
export const EVENT_OF_HANDLER = {
  onHello: 'hello',
  onStart: 'start',
  onConversation: 'conversation',
  onMetadata: 'metadata',
  onDelta: 'delta',
  onProgress: 'progress',
  onPreview: 'preview',
  onAudio: 'audio',
  onReasoning: 'reasoning',
  onToolInputDelta: 'tool_input_delta',
  onToolCall: 'tool_call',
  onToolResult: 'tool_result',
  onSource: 'source',
  onFile: 'file',
  onPing: 'ping',
  onDone: 'done',
} as const satisfies Partial<Record<keyof ConsumerHandlers, string>>;

/**
 * Handlers by key: at most one assigned (an option field, or `consumer.onX = fn`), then any
 * number added (`consumer.onX(fn)`), called in that order.
 */
export class HandlerRegistry {
  readonly #assigned = new Map<string, (...args: never[]) => void>();
  readonly #added = new Map<string, Set<(...args: never[]) => void>>();

  /** Sets (or with undefined, removes) the one assigned handler of `key`. */
  assign(key: string, handler: ((...args: never[]) => void) | undefined): void {
    if (handler === undefined || handler === null) this.#assigned.delete(key);
    else this.#assigned.set(key, checkedHandler(handler));
  }

  /** Adds a handler of `key`; returns what removes it. */
  add(key: string, handler: (...args: never[]) => void): Unsubscribe {
    checkedHandler(handler);
    // A wrapper per call: the same function added twice is two handlers, removed one by one.
    const entry = (...args: never[]) => handler(...args);
    const set = this.#added.get(key) ?? new Set();
    this.#added.set(key, set);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  /** Calls every handler of `key` with `args`. */
  call(key: string, ...args: unknown[]): void {
    this.#assigned.get(key)?.(...(args as never[]));
    const added = this.#added.get(key);
    if (!added) return;
    // Over a copy, checking each is still there: a handler may remove itself or another.
    for (const handler of [...added]) if (added.has(handler)) handler(...(args as never[]));
  }
}

/** `handler`, when it is a function (a JavaScript caller may pass anything). */
function checkedHandler<F extends (...args: never[]) => void>(handler: F): F {
  if (typeof handler !== 'function')
    throw new TypeError(`a handler must be a function, got ${typeof handler}`);
  return handler;
}
