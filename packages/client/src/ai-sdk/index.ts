/**
 * `@tidewire/client/ai-sdk`: the bridge to the AI SDK's `useChat` (needs the `ai` package).
 * @module
 */
export {
  type StreamIdStorage,
  TidewireChatTransport,
  type TidewireChatTransportOptions,
} from './chat-transport.ts';
export { UIChunkMapper } from './ui-chunks.ts';
