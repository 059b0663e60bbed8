/**
 * The consumer's callbacks: one per contract event (`onHello` … `onPing`, `onReasoning` … `onFile`), plus `onComplete`,
 * `onError` and `onStateChange`, and the table that routes an event to its handler.
 * @module
 */
import type { EventDataMap, EventName, StreamEvent } from '@tidewire/protocol';
import type { StreamError } from './errors.ts';

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
}

export type EventHandler<K extends EventName> = (
  data: EventDataMap[K],
  event: Extract<StreamEvent, { event: K }>,
) => void;

export interface ConsumerHandlers {
  onHello?: EventHandler<'hello'>;
  onStart?: EventHandler<'start'>;
  onConversation?: EventHandler<'conversation'>;
  onMetadata?: EventHandler<'metadata'>;
  onDelta?: EventHandler<'delta'>;
  onProgress?: EventHandler<'progress'>;
  onPreview?: EventHandler<'preview'>;
  onPing?: EventHandler<'ping'>;
  onReasoning?: EventHandler<'reasoning'>;
  onToolInputDelta?: EventHandler<'tool_input_delta'>;
  onToolCall?: EventHandler<'tool_call'>;
  onToolResult?: EventHandler<'tool_result'>;
  onSource?: EventHandler<'source'>;
  onFile?: EventHandler<'file'>;
  onDone?: EventHandler<'done'>;
  /** The whole answer, once `done` says it finished (`stop` or `length`). */
  onComplete?: (text: string, done: EventDataMap['done']) => void;
  /**
   * Stream `error` events (the answer failed; `done` follows), HTTP errors, drops, gaps.
   * `error.retrying` says whether the consumer reconnects after it; the last error before
   * the `failed` state has `retrying` false.
   */
  onError?: (error: StreamError) => void;
  onStateChange?: (state: ConsumerState, info: StateInfo) => void;
}

/** The handler of each event; `error` goes to `onError`. */
export const HANDLER_OF = {
  hello: 'onHello',
  start: 'onStart',
  conversation: 'onConversation',
  metadata: 'onMetadata',
  delta: 'onDelta',
  progress: 'onProgress',
  preview: 'onPreview',
  ping: 'onPing',
  reasoning: 'onReasoning',
  tool_input_delta: 'onToolInputDelta',
  tool_call: 'onToolCall',
  tool_result: 'onToolResult',
  source: 'onSource',
  file: 'onFile',
  done: 'onDone',
  error: 'onError',
} as const satisfies Record<EventName, keyof ConsumerHandlers>;

const HANDLER_NAMES = [...new Set([...Object.values(HANDLER_OF), 'onComplete', 'onStateChange'] as const)];

/** The handlers given in an options object, to copy onto the consumer. */
export function pickHandlers(options: ConsumerHandlers): ConsumerHandlers {
  const handlers: Record<string, unknown> = {};
  for (const name of HANDLER_NAMES) if (options[name]) handlers[name] = options[name];
  return handlers as ConsumerHandlers;
}
