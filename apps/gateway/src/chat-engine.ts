/**
 * The gateway's use of the generic stream engine: the chat vocabulary (`hello`, `start`,
 * `delta`, …, the contract's events), the per-stream `meta` (model, conversation, owner, and
 * the request another instance needs to continue a generation), the `hello` payload, and
 * `done.tokens` for endings the engine makes itself (cancel, size bound, shutdown).
 * @module
 */
import { defineEvents, type EventDataMap } from '@tidewire/protocol';
import { type EngineOptions, type Stream, StreamEngine } from '@tidewire/server';
import type { MediaJob } from './media/provider.ts';
import type { ChatMessage, ToolDefinition } from './models/provider.ts';

/** What the gateway keeps with each stream. */
export interface ChatMeta {
  model: string;
  conversationId: string | null;
  /** The owner (null when auth is off). */
  userId: string | null;
  /** What started the generation, so another instance (or the next start) can continue it. */
  request?: { messages: ChatMessage[]; tools?: ToolDefinition[] };
  /** What a media stream (image, read aloud) does; absent on a chat answer. */
  media?: MediaJob;
}

export type ChatEngine = StreamEngine<EventDataMap, ChatMeta>;
export type ChatStream = Stream<EventDataMap, ChatMeta>;

/** Types only: the gateway emits what it declares, so data is not validated on the hot path. */
const chatVocabulary = defineEvents<EventDataMap>();

export function createChatEngine(
  options: Omit<
    EngineOptions<EventDataMap, ChatMeta>,
    'events' | 'hello' | 'doneData' | 'textEvent' | 'countedEvents'
  >,
): ChatEngine {
  return new StreamEngine<EventDataMap, ChatMeta>({
    ...options,
    events: chatVocabulary,
    textEvent: 'delta',
    // A model's output tokens: its text and reasoning (pieces of `text()`), streamed tool arguments.
    countedEvents: ['tool_input_delta'],
    hello: ({ streamId, meta, ts }) => ({
      ts,
      model: meta.model,
      conversation_id: meta.conversationId,
      stream_id: streamId,
    }),
    // Each piece of text the gateway feeds is one model token.
    doneData: (stream) => ({ tokens: stream?.textPieces ?? 0 }),
  });
}

/** Whether `user` may read or cancel a stream. */
export const ownedBy = (user: string | null) => (meta: ChatMeta) => meta.userId === user;
