export { type DecodeResult, decodeStreamEvent } from './decode.ts';
export { encodeComment, encodeEvent, encodeFrame, type FrameFields } from './encode.ts';
export { type ErrorBody, type ErrorType, errorBody, TidewireError } from './errors.ts';
export { type EventId, formatEventId, isStreamId, parseEventId, parseSeq } from './event-id.ts';
export * from './events.ts';
export { AudioData, TaskPreviewData } from './media-events.ts';
export { createParser, type ParsedEvent, type ParserCallbacks, type SSEParser } from './parser.ts';
export {
  defineEvents,
  type EventMap,
  type EventsOf,
  type StandardSchema,
  type Vocabulary,
} from './vocabulary.ts';
export {
  WEBSOCKET_PATH,
  WS_CLOSE_RESUME,
  type WsControlMessage,
  type WsEventMessage,
  type WsServerMessage,
} from './websocket.ts';
