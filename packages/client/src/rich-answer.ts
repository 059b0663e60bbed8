/**
 * The parts of an answer besides its text, as a page shows them: the reasoning (and how long
 * the model thought), tool calls (arguments as they stream, then whole, then the result),
 * sources and files. Built event by event while an answer streams (a replay after a reload
 * builds the same), or at once from a stored conversation's `parts`. Views are immutable: a
 * new object after each change, so a UI can compare them.
 * @module
 */
import type { StreamEvent } from '@tidewire/protocol';

export interface ToolView {
  id: string;
  name: string;
  /** The JSON arguments as streamed so far. */
  inputText: string;
  /** The whole arguments, once the call is complete. */
  input?: unknown;
  complete: boolean;
  result?: { output: unknown; isError: boolean };
}

export interface RichView {
  reasoning: string;
  /**
   * How long the model thought: the server's measure (the end of the reasoning carries it,
   * and a stored answer keeps it), else this page's while it watched the model think.
   */
  thoughtMs?: number;
  /** The reasoning is still arriving (no other part yet). */
  thinking: boolean;
  tools: ToolView[];
  sources: { id: string; url: string; title: string }[];
  files: { id: string; mediaType: string; url: string }[];
}

export const emptyRich = (): RichView => ({
  reasoning: '',
  thinking: false,
  tools: [],
  sources: [],
  files: [],
});

/** One part of a stored answer (the conversation API's `parts`). */
export type StoredPart =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string; thought_ms?: number }
  | { type: 'tool_call'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; id: string; name: string; output: unknown; is_error: boolean }
  | { type: 'source'; id: string; url: string; title?: string }
  | { type: 'file'; id: string; media_type: string; url: string };

function withTool(view: RichView, id: string, name: string, change: (tool: ToolView) => ToolView): RichView {
  const found = view.tools.find((t) => t.id === id);
  const tool = change(found ?? { id, name, inputText: '', complete: false });
  return { ...view, tools: found ? view.tools.map((t) => (t === found ? tool : t)) : [...view.tools, tool] };
}

/** Ends the thinking phase at `now` (the first part after the reasoning); a time already known stays. */
function stopThinking(view: RichView, now: number, startedAt: number | undefined): RichView {
  if (!view.thinking) return view;
  const measured = startedAt === undefined ? undefined : now - startedAt;
  return { ...view, thinking: false, thoughtMs: view.thoughtMs ?? measured };
}

/**
 * Tracks one answer: `apply` takes each stream event (others are ignored) and returns the new
 * view. `live` is false while replaying events the page did not see arrive in real time.
 */
export class RichTracker {
  view: RichView = emptyRich();
  #startedAt: number | undefined;

  apply(event: StreamEvent, now: number, live: boolean): RichView {
    const view = event.event === 'reasoning' ? this.view : stopThinking(this.view, now, this.#startedAt);
    this.view = this.#next(view, event, now, live);
    return this.view;
  }

  #next(view: RichView, event: StreamEvent, now: number, live: boolean): RichView {
    switch (event.event) {
      case 'reasoning':
        // The end of the reasoning: the server's measure of the thinking time.
        if (event.data.thought_ms !== undefined)
          return { ...view, thinking: false, thoughtMs: event.data.thought_ms };
        if (view.reasoning === '' && live) this.#startedAt = now;
        return { ...view, reasoning: view.reasoning + event.data.text, thinking: true };
      case 'tool_input_delta': {
        const { id, name, text } = event.data;
        return withTool(view, id, name, (t) => ({ ...t, inputText: t.inputText + text }));
      }
      case 'tool_call': {
        const { id, name, input } = event.data;
        return withTool(view, id, name, (t) => ({ ...t, input, complete: true }));
      }
      case 'tool_result': {
        const { id, name, output, is_error } = event.data;
        return withTool(view, id, name, (t) => ({
          ...t,
          complete: true,
          result: { output, isError: is_error },
        }));
      }
      case 'source':
        if (view.sources.some((s) => s.id === event.data.id)) return view;
        return {
          ...view,
          sources: [...view.sources, { ...event.data, title: event.data.title ?? event.data.url }],
        };
      case 'file':
        if (view.files.some((f) => f.id === event.data.id)) return view;
        return {
          ...view,
          files: [
            ...view.files,
            { id: event.data.id, mediaType: event.data.media_type, url: event.data.url },
          ],
        };
      default:
        return view;
    }
  }
}

/** The view of a stored answer's parts. */
export function richFromStored(parts: StoredPart[] | undefined): RichView {
  const view = emptyRich();
  for (const part of parts ?? []) {
    if (part.type === 'reasoning') {
      view.reasoning += part.text;
      if (part.thought_ms !== undefined) view.thoughtMs = part.thought_ms;
    } else if (part.type === 'tool_call')
      view.tools.push({
        id: part.id,
        name: part.name,
        inputText: JSON.stringify(part.input),
        input: part.input,
        complete: true,
      });
    else if (part.type === 'tool_result') {
      const tool = view.tools.find((t) => t.id === part.id);
      if (tool) tool.result = { output: part.output, isError: part.is_error };
    } else if (part.type === 'source')
      view.sources.push({ id: part.id, url: part.url, title: part.title ?? part.url });
    else if (part.type === 'file')
      view.files.push({ id: part.id, mediaType: part.media_type, url: part.url });
  }
  return view;
}
