export { backoffDelay, retryAfterMs, sleep } from './backoff.ts';
export { StreamError } from './errors.ts';
export {
  type ConsumerHandlers,
  type ConsumerState,
  SSEConsumer,
  type SSEConsumerOptions,
  type StateInfo,
} from './sse-consumer.ts';
export { AdaptiveTypewriter, type TypewriterOptions } from './typewriter.ts';
