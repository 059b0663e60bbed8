export { type AnswerSnapshot, AnswerStore, type AnswerStoreOptions } from './answer-store.ts';
export { backoffDelay, retryAfterMs, sleep } from './backoff.ts';
export { isRetryable, StreamError } from './errors.ts';
export type { ConsumerHandlers, ConsumerState, EventHandler, StateInfo } from './handlers.ts';
export { streamUrlAt, streamUrlOf } from './resume-url.ts';
export {
  emptyRich,
  RichTracker,
  type RichView,
  richFromStored,
  type StoredPart,
  type ToolView,
} from './rich-answer.ts';
export { SSEConsumer, type SSEConsumerOptions } from './sse-consumer.ts';
export { AdaptiveTypewriter, type TypewriterOptions } from './typewriter.ts';
