/**
 * The contract's stream events: their names and data shapes, as zod schemas (the source of
 * the TypeScript types, inferred from them, and for apps that validate with zod). Validation
 * itself runs on the zod-free checks of `chat-checks.ts` (`chatEvents`), so a client that
 * checks events does not bundle zod.
 * @module
 */
import * as z from 'zod/mini';
import { chatEvents, EVENT_NAMES, isEventName, validateEventData } from './chat-checks.ts';
import { AudioData, TaskPreviewData } from './media-events.ts';

export const HelloData = z.object({
  ts: z.number(),
  model: z.string(),
  conversation_id: z.nullable(z.string()),
  stream_id: z.string(),
});
export const StartData = z.object({ status: z.literal('processing') });
export const ConversationData = z.object({ id: z.string() });
export const DeltaData = z.object({ text: z.string() });
export const MetadataData = z.object({
  model_used: z.string(),
  tokens_used: z.number(),
  elapsed_seconds: z.number(),
});
export const ProgressData = z.object({ id: z.string(), pct: z.number(), note: z.optional(z.string()) });
export const PreviewData = z.object({ id: z.string(), url: z.string(), type: z.string() });
export const DoneReason = z.enum(['stop', 'length', 'cancelled', 'error', 'tool_calls']);
export const DoneData = z.object({ reason: DoneReason, tokens: z.number() });
export const ErrorData = z.object({ message: z.string(), type: z.string() });
export const PingData = z.object({ ts: z.number() });
// Rich answers: the model's reasoning, tool calls (arguments as they stream, then whole),
// tool results, citations and files. Concatenating every `reasoning.text` in order gives the
// whole reasoning; every `tool_input_delta.text` of one `id`, that call's JSON arguments.
// The end of the first reasoning carries `thought_ms`: how long the model thought (its `text` is "").
export const ReasoningData = z.object({ text: z.string(), thought_ms: z.optional(z.number()) });
export const ToolInputDeltaData = z.object({ id: z.string(), name: z.string(), text: z.string() });
export const ToolCallData = z.object({ id: z.string(), name: z.string(), input: z.unknown() });
export const ToolResultData = z.object({
  id: z.string(),
  name: z.string(),
  output: z.unknown(),
  is_error: z.boolean(),
});
export const SourceData = z.object({ id: z.string(), url: z.string(), title: z.optional(z.string()) });
export const FileData = z.object({ id: z.string(), media_type: z.string(), url: z.string() });

/** Schema of each event's `data`, by event name. */
export const eventSchemas = {
  hello: HelloData,
  start: StartData,
  conversation: ConversationData,
  delta: DeltaData,
  metadata: MetadataData,
  progress: ProgressData,
  preview: TaskPreviewData,
  audio: AudioData,
  done: DoneData,
  error: ErrorData,
  ping: PingData,
  reasoning: ReasoningData,
  tool_input_delta: ToolInputDeltaData,
  tool_call: ToolCallData,
  tool_result: ToolResultData,
  source: SourceData,
  file: FileData,
} as const;

export type EventName = keyof typeof eventSchemas;
export type EventDataMap = { [K in EventName]: z.infer<(typeof eventSchemas)[K]> };
export type DoneReason = z.infer<typeof DoneReason>;

/** One typed stream event as a client sees it. `seq` is absent only on `ping`. */
export type StreamEvent = {
  [K in EventName]: { event: K; data: EventDataMap[K]; streamId?: string; seq?: number };
}[EventName];

/** The chat vocabulary of the gateway and its zod-free checks (`chatEvents.check` validates). */
export { chatEvents, EVENT_NAMES, isEventName, validateEventData };
