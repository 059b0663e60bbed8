/**
 * An answer's parts on the wire: `emitPart` turns each model part into its contract event
 * (text into coalesced `delta`s, reasoning into coalesced `reasoning`s, the rest into
 * `tool_input_delta`, `tool_call`, `tool_result`, `source`, `file`; the end of the reasoning,
 * which the gateway adds, into `reasoning {text: "", thought_ms}`), and `partOfEvent` reads a
 * logged event back into the part it came from (a takeover rebuilds what the reader already
 * has from the log).
 * @module
 */
import type { EventDataMap, StreamEvent } from '@tidewire/protocol';
import type { ChatStream } from './chat-engine.ts';
import type { ModelPart } from './models/provider.ts';

/** The end of the model's first reasoning: how long it thought (`thinking-time.ts`). */
export interface ReasoningEnd {
  type: 'reasoning-end';
  thoughtMs: number;
}

/** Every model part but `finish`. */
export type ModelAnswerPart = Exclude<ModelPart, { type: 'finish' }>;

/** The model's parts and the end of its reasoning: what an answer is made of. */
export type AnswerPart = ModelAnswerPart | ReasoningEnd;

/** The contract events a part can be, besides `delta`. */
export type PartEvent = 'reasoning' | 'tool_input_delta' | 'tool_call' | 'tool_result' | 'source' | 'file';

/** A part as its contract event: `[name, data]` (text is `delta`, coalesced by the stream). */
export type PartEventOf = {
  [K in PartEvent]: [K, EventDataMap[K]];
}[PartEvent];

/** The event a part other than text becomes. */
export function eventOfPart(part: Exclude<AnswerPart, { type: 'text' }>): PartEventOf {
  switch (part.type) {
    case 'reasoning':
      return ['reasoning', { text: part.text }];
    case 'reasoning-end':
      return ['reasoning', { text: '', thought_ms: part.thoughtMs }];
    case 'tool-input-delta':
      return ['tool_input_delta', { id: part.id, name: part.name, text: part.text }];
    case 'tool-call':
      return ['tool_call', { id: part.id, name: part.name, input: part.input }];
    case 'tool-result':
      return ['tool_result', { id: part.id, name: part.name, output: part.output, is_error: part.isError }];
    case 'source':
      return ['source', { id: part.id, url: part.url, title: part.title ?? part.url }];
    case 'file':
      return ['file', { id: part.id, media_type: part.mediaType, url: part.url }];
  }
}

export function emitPart(stream: ChatStream, part: AnswerPart): void {
  if (part.type === 'text' || part.type === 'reasoning') {
    stream.text(part.text, part.type === 'text' ? 'delta' : 'reasoning');
    return;
  }
  const [event, data] = eventOfPart(part);
  stream.emit(event, data as never);
}

/** The answer part a logged event carries, or undefined for the other events. */
export function partOfEvent(event: StreamEvent): AnswerPart | undefined {
  switch (event.event) {
    case 'delta':
      return { type: 'text', text: event.data.text };
    case 'reasoning':
      if (event.data.thought_ms !== undefined)
        return { type: 'reasoning-end', thoughtMs: event.data.thought_ms };
      return { type: 'reasoning', text: event.data.text };
    case 'tool_input_delta':
      return { type: 'tool-input-delta', ...event.data };
    case 'tool_call':
      return { type: 'tool-call', ...event.data };
    case 'tool_result': {
      const { id, name, output, is_error } = event.data;
      return { type: 'tool-result', id, name, output, isError: is_error };
    }
    case 'source':
      return { type: 'source', ...event.data };
    case 'file':
      return { type: 'file', id: event.data.id, mediaType: event.data.media_type, url: event.data.url };
    default:
      return undefined;
  }
}

/** A tool result as the content of a `tool` message to a model (a failure as `{"error": …}`). */
export function toolResultContent(output: unknown, isError: boolean): string {
  if (isError) return JSON.stringify({ error: output });
  return typeof output === 'string' ? output : JSON.stringify(output);
}
