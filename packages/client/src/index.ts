export { type AnswerSnapshot, AnswerStore, type AnswerStoreOptions } from './answer-store.ts';
export {
  type AudioChunkRef,
  type AudioContextLike,
  type AudioPlayerState,
  type AudioSourceLike,
  AudioStreamPlayer,
  type AudioStreamPlayerOptions,
} from './audio-player.ts';
export { backoffDelay, retryAfterMs, sleep } from './backoff.ts';
export { ConsumerCallbacks } from './consumer-callbacks.ts';
export { type ClientErrorType, isRetryable, StreamError, type StreamErrorType } from './errors.ts';
export type {
  AnyEventHandler,
  AudioData,
  CompleteHandler,
  ConsumerEvent,
  ConsumerHandlers,
  ConsumerState,
  ErrorHandler,
  EventHandler,
  EventMap,
  HandledEventName,
  HandledEvents,
  ReceivedEvent,
  ReservedEventData,
  StateHandler,
  StateInfo,
  StreamEvents,
  Subscribe,
  Unsubscribe,
} from './handlers.ts';
export { apiUrlOf, streamUrlAt, streamUrlOf } from './resume-url.ts';
export {
  emptyRich,
  RichTracker,
  type RichView,
  richFromStored,
  type StoredPart,
  type ToolView,
} from './rich-answer.ts';
export {
  DEFAULT_MAX_EVENT_SIZE,
  type OptionsArgument,
  SSEConsumer,
  type SSEConsumerOptions,
} from './sse-consumer.ts';
export { rememberedTransport, rememberTransport, type Transport } from './transport-memory.ts';
export { AdaptiveTypewriter, type ElementTypewriterOptions, type TypewriterOptions } from './typewriter.ts';
export { chatVocabulary, type EventVocabulary } from './vocabulary.ts';
export type { WebSocketConstructor } from './websocket-connection.ts';
