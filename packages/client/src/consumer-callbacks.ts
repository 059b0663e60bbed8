/**
 * The handler surface of `SSEConsumer`, kept apart from the connection logic: each named
 * handler (`onDelta` …) is an accessor. Assigning it (`consumer.onDelta = fn`, or the option
 * field) sets the one assigned handler; calling it (`consumer.onDelta(fn)`, the form of the
 * design guide) adds a handler and returns its unsubscribe function. `on(name, fn)` adds a
 * handler for any event of the vocabulary, and `on('*', fn)` for every event, declared or not.
 * @module
 */
import type { EventDataMap } from '@tidewire/protocol';
import type { StreamError } from './errors.ts';
import {
  type AnyEventHandler,
  type CompleteHandler,
  type ConsumerHandlers,
  type ConsumerState,
  type ErrorHandler,
  EVENT_OF_HANDLER,
  type EventHandler,
  type EventMap,
  type HandledEventName,
  HandlerRegistry,
  type ReceivedEvent,
  type StateHandler,
  type StateInfo,
  type StreamEvents,
  type Subscribe,
  type Unsubscribe,
} from './handlers.ts';

type H<K extends string, E extends EventMap> = EventHandler<K, E>;

/** The handler fields that are not events' handlers, and their registry keys. */
const CALLBACK_OF_HANDLER = { onComplete: 'complete', onError: 'error', onStateChange: 'state' } as const;

/**
 * The handler fields, typed (the accessors are defined once for all, at run time, below):
 * each reads as a function that adds a handler, and takes a handler (or undefined) assigned.
 */
export interface ConsumerCallbacks<E extends EventMap = EventDataMap> {
  get onHello(): Subscribe<H<'hello', E>>;
  set onHello(handler: H<'hello', E> | undefined);
  get onStart(): Subscribe<H<'start', E>>;
  set onStart(handler: H<'start', E> | undefined);
  get onConversation(): Subscribe<H<'conversation', E>>;
  set onConversation(handler: H<'conversation', E> | undefined);
  get onMetadata(): Subscribe<H<'metadata', E>>;
  set onMetadata(handler: H<'metadata', E> | undefined);
  get onDelta(): Subscribe<H<'delta', E>>;
  set onDelta(handler: H<'delta', E> | undefined);
  get onProgress(): Subscribe<H<'progress', E>>;
  set onProgress(handler: H<'progress', E> | undefined);
  get onPreview(): Subscribe<H<'preview', E>>;
  set onPreview(handler: H<'preview', E> | undefined);
  get onAudio(): Subscribe<H<'audio', E>>;
  set onAudio(handler: H<'audio', E> | undefined);
  get onReasoning(): Subscribe<H<'reasoning', E>>;
  set onReasoning(handler: H<'reasoning', E> | undefined);
  get onToolInputDelta(): Subscribe<H<'tool_input_delta', E>>;
  set onToolInputDelta(handler: H<'tool_input_delta', E> | undefined);
  get onToolCall(): Subscribe<H<'tool_call', E>>;
  set onToolCall(handler: H<'tool_call', E> | undefined);
  get onToolResult(): Subscribe<H<'tool_result', E>>;
  set onToolResult(handler: H<'tool_result', E> | undefined);
  get onSource(): Subscribe<H<'source', E>>;
  set onSource(handler: H<'source', E> | undefined);
  get onFile(): Subscribe<H<'file', E>>;
  set onFile(handler: H<'file', E> | undefined);
  get onPing(): Subscribe<H<'ping', E>>;
  set onPing(handler: H<'ping', E> | undefined);
  get onDone(): Subscribe<H<'done', E>>;
  set onDone(handler: H<'done', E> | undefined);
  /** The whole answer (every `delta` joined), when `done` (or `complete`) says it finished. */
  get onComplete(): Subscribe<CompleteHandler<E>>;
  set onComplete(handler: CompleteHandler<E> | undefined);
  /** Every failure: stream `error` events, HTTP errors, drops, gaps (see `error.retrying`). */
  get onError(): Subscribe<ErrorHandler>;
  set onError(handler: ErrorHandler | undefined);
  get onStateChange(): Subscribe<StateHandler>;
  set onStateChange(handler: StateHandler | undefined);
}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see the interface above.
export class ConsumerCallbacks<E extends EventMap = EventDataMap> {
  /** Event handlers by event name (`*`: every event). */
  readonly #events = new HandlerRegistry();
  /** `complete`, `error` and `state` handlers. */
  readonly #callbacks = new HandlerRegistry();

  static {
    const define = (
      table: Record<string, string>,
      registry: (self: ConsumerCallbacks) => HandlerRegistry,
    ) => {
      for (const [name, key] of Object.entries(table)) {
        Object.defineProperty(ConsumerCallbacks.prototype, name, {
          get(this: ConsumerCallbacks) {
            return (handler: () => void) => registry(this).add(key, handler);
          },
          set(this: ConsumerCallbacks, handler: (() => void) | undefined) {
            registry(this).assign(key, handler);
          },
        });
      }
    };
    define(EVENT_OF_HANDLER, (self) => self.#events);
    define(CALLBACK_OF_HANDLER, (self) => self.#callbacks);
  }

  /** Takes the handlers given as option fields. */
  constructor(handlers: ConsumerHandlers<E>) {
    for (const [name, event] of Object.entries(EVENT_OF_HANDLER))
      this.#events.assign(event, handlers[name as keyof typeof EVENT_OF_HANDLER] as never);
    for (const [name, key] of Object.entries(CALLBACK_OF_HANDLER))
      this.#callbacks.assign(key, handlers[name as keyof typeof CALLBACK_OF_HANDLER] as never);
  }

  /** Adds a handler for the event `name` (`*`: every event, even one no vocabulary declares). */
  on<K extends HandledEventName<E>>(name: K, handler: H<K, E>): Unsubscribe;
  on(name: '*', handler: AnyEventHandler): Unsubscribe;
  on(name: string, handler: (data: never, event: never) => void): Unsubscribe {
    return this.#events.add(name, handler);
  }

  /** Calls the handlers of `event`, then the `*` ones. */
  protected emitEvent(event: ReceivedEvent): void {
    this.#events.call(event.event, event.data, event);
    this.#events.call('*', event.data, event);
  }
  protected emitComplete(text: string, done: StreamEvents<E>['done']): void {
    this.#callbacks.call('complete', text, done);
  }
  protected emitError(error: StreamError): void {
    this.#callbacks.call('error', error);
  }
  protected emitState(state: ConsumerState, info: StateInfo): void {
    this.#callbacks.call('state', state, info);
  }
}
