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

export class ConsumerCallbacks<E extends EventMap = EventDataMap> {
  /** Event handlers by event name (`*`: every event). */
  readonly #events = new HandlerRegistry();
  /** `complete`, `error` and `state` handlers. */
  readonly #callbacks = new HandlerRegistry();

  /** Takes the handlers given as option fields. */
  constructor(handlers: ConsumerHandlers<E>) {
    for (const [name, event] of Object.entries(EVENT_OF_HANDLER))
      this.#events.assign(event, handlers[name as keyof typeof EVENT_OF_HANDLER] as never);
    this.#callbacks.assign('complete', handlers.onComplete as never);
    this.#callbacks.assign('error', handlers.onError);
    this.#callbacks.assign('state', handlers.onStateChange as never);
  }

  /** Adds a handler for the event `name` (`*`: every event, even one no vocabulary declares). */
  on<K extends HandledEventName<E>>(name: K, handler: H<K, E>): Unsubscribe;
  on(name: '*', handler: AnyEventHandler): Unsubscribe;
  on(name: string, handler: (data: never, event: never) => void): Unsubscribe {
    return this.#events.add(name, handler);
  }

  get onHello(): Subscribe<H<'hello', E>> {
    return (handler) => this.#events.add('hello', handler);
  }
  set onHello(handler: H<'hello', E> | undefined) {
    this.#events.assign('hello', handler);
  }
  get onStart(): Subscribe<H<'start', E>> {
    return (handler) => this.#events.add('start', handler);
  }
  set onStart(handler: H<'start', E> | undefined) {
    this.#events.assign('start', handler);
  }
  get onConversation(): Subscribe<H<'conversation', E>> {
    return (handler) => this.#events.add('conversation', handler);
  }
  set onConversation(handler: H<'conversation', E> | undefined) {
    this.#events.assign('conversation', handler);
  }
  get onMetadata(): Subscribe<H<'metadata', E>> {
    return (handler) => this.#events.add('metadata', handler);
  }
  set onMetadata(handler: H<'metadata', E> | undefined) {
    this.#events.assign('metadata', handler);
  }
  get onDelta(): Subscribe<H<'delta', E>> {
    return (handler) => this.#events.add('delta', handler);
  }
  set onDelta(handler: H<'delta', E> | undefined) {
    this.#events.assign('delta', handler);
  }
  get onProgress(): Subscribe<H<'progress', E>> {
    return (handler) => this.#events.add('progress', handler);
  }
  set onProgress(handler: H<'progress', E> | undefined) {
    this.#events.assign('progress', handler);
  }
  get onPreview(): Subscribe<H<'preview', E>> {
    return (handler) => this.#events.add('preview', handler);
  }
  set onPreview(handler: H<'preview', E> | undefined) {
    this.#events.assign('preview', handler);
  }
  get onAudio(): Subscribe<H<'audio', E>> {
    return (handler) => this.#events.add('audio', handler);
  }
  set onAudio(handler: H<'audio', E> | undefined) {
    this.#events.assign('audio', handler);
  }
  get onReasoning(): Subscribe<H<'reasoning', E>> {
    return (handler) => this.#events.add('reasoning', handler);
  }
  set onReasoning(handler: H<'reasoning', E> | undefined) {
    this.#events.assign('reasoning', handler);
  }
  get onToolInputDelta(): Subscribe<H<'tool_input_delta', E>> {
    return (handler) => this.#events.add('tool_input_delta', handler);
  }
  set onToolInputDelta(handler: H<'tool_input_delta', E> | undefined) {
    this.#events.assign('tool_input_delta', handler);
  }
  get onToolCall(): Subscribe<H<'tool_call', E>> {
    return (handler) => this.#events.add('tool_call', handler);
  }
  set onToolCall(handler: H<'tool_call', E> | undefined) {
    this.#events.assign('tool_call', handler);
  }
  get onToolResult(): Subscribe<H<'tool_result', E>> {
    return (handler) => this.#events.add('tool_result', handler);
  }
  set onToolResult(handler: H<'tool_result', E> | undefined) {
    this.#events.assign('tool_result', handler);
  }
  get onSource(): Subscribe<H<'source', E>> {
    return (handler) => this.#events.add('source', handler);
  }
  set onSource(handler: H<'source', E> | undefined) {
    this.#events.assign('source', handler);
  }
  get onFile(): Subscribe<H<'file', E>> {
    return (handler) => this.#events.add('file', handler);
  }
  set onFile(handler: H<'file', E> | undefined) {
    this.#events.assign('file', handler);
  }
  get onPing(): Subscribe<H<'ping', E>> {
    return (handler) => this.#events.add('ping', handler);
  }
  set onPing(handler: H<'ping', E> | undefined) {
    this.#events.assign('ping', handler);
  }
  get onDone(): Subscribe<H<'done', E>> {
    return (handler) => this.#events.add('done', handler);
  }
  set onDone(handler: H<'done', E> | undefined) {
    this.#events.assign('done', handler);
  }
  /** The whole answer (every `delta` joined), when `done` (or `complete`) says it finished. */
  get onComplete(): Subscribe<CompleteHandler<E>> {
    return (handler) => this.#callbacks.add('complete', handler);
  }
  set onComplete(handler: CompleteHandler<E> | undefined) {
    this.#callbacks.assign('complete', handler as never);
  }
  /** Every failure: stream `error` events, HTTP errors, drops, gaps (see `error.retrying`). */
  get onError(): Subscribe<ErrorHandler> {
    return (handler) => this.#callbacks.add('error', handler);
  }
  set onError(handler: ErrorHandler | undefined) {
    this.#callbacks.assign('error', handler);
  }
  get onStateChange(): Subscribe<StateHandler> {
    return (handler) => this.#callbacks.add('state', handler as never);
  }
  set onStateChange(handler: StateHandler | undefined) {
    this.#callbacks.assign('state', handler as never);
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
