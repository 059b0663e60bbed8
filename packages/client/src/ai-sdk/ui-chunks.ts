/**
 * Turns tidewire chat events into the AI SDK's UI message chunks (what `useChat` reads): text
 * and reasoning runs with their start and end, tool calls (arguments as they stream, then
 * whole, then the output or error), URL sources, files, the finish and errors. One mapper per
 * answer; ids come from the stream, so a replay yields the same message.
 * @module
 */
import type { StreamEvent } from '@tidewire/protocol';
import type { FinishReason, UIMessageChunk } from 'ai';

type Run = 'text' | 'reasoning';

const FINISH: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  error: 'error',
  cancelled: 'other',
};

export class UIChunkMapper {
  #open: { kind: Run; id: string } | undefined;
  #runs = 0;
  readonly #tools = new Set<string>();

  /** The chunks for one event (none for events with no UI meaning). */
  map(event: StreamEvent): UIMessageChunk[] {
    switch (event.event) {
      case 'hello':
        return [{ type: 'start', messageId: event.data.stream_id }];
      case 'delta':
        return this.#run('text', event.data.text);
      case 'reasoning':
        // The end of the reasoning (it says how long the model thought) closes its run.
        if (event.data.thought_ms !== undefined && event.data.text === '') return this.#close();
        return this.#run('reasoning', event.data.text);
      case 'tool_input_delta': {
        const { id, name, text } = event.data;
        return [
          ...this.#toolStart(id, name),
          { type: 'tool-input-delta', toolCallId: id, inputTextDelta: text },
        ];
      }
      case 'tool_call': {
        const { id, name, input } = event.data;
        return [
          ...this.#toolStart(id, name),
          { type: 'tool-input-available', toolCallId: id, toolName: name, input },
        ];
      }
      case 'tool_result': {
        const { id, output, is_error } = event.data;
        const close = this.#close();
        if (!is_error) return [...close, { type: 'tool-output-available', toolCallId: id, output }];
        const errorText = typeof output === 'string' ? output : JSON.stringify(output);
        return [...close, { type: 'tool-output-error', toolCallId: id, errorText }];
      }
      case 'source':
        return [
          ...this.#close(),
          { type: 'source-url', sourceId: event.data.id, url: event.data.url, title: event.data.title },
        ];
      case 'file':
        return [...this.#close(), { type: 'file', url: event.data.url, mediaType: event.data.media_type }];
      case 'error':
        return [...this.#close(), { type: 'error', errorText: event.data.message }];
      case 'done':
        return [...this.#close(), { type: 'finish', finishReason: FINISH[event.data.reason] ?? 'other' }];
      default:
        return [];
    }
  }

  #run(kind: Run, delta: string): UIMessageChunk[] {
    const chunks: UIMessageChunk[] = [];
    if (this.#open?.kind !== kind) {
      chunks.push(...this.#close());
      this.#open = { kind, id: `${kind}-${++this.#runs}` };
      chunks.push({ type: `${kind}-start`, id: this.#open.id });
    }
    chunks.push({ type: `${kind}-delta`, id: this.#open.id, delta });
    return chunks;
  }

  #close(): UIMessageChunk[] {
    const open = this.#open;
    this.#open = undefined;
    return open ? [{ type: `${open.kind}-end`, id: open.id }] : [];
  }

  #toolStart(id: string, name: string): UIMessageChunk[] {
    if (this.#tools.has(id)) return [];
    this.#tools.add(id);
    return [...this.#close(), { type: 'tool-input-start', toolCallId: id, toolName: name }];
  }
}
