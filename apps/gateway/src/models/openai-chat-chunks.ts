/**
 * Reads the `chat.completion.chunk` events of one OpenAI Chat Completions stream into the
 * gateway's `ModelPart`s, checking by hand only the fields it reads (no schema per chunk: this
 * runs for every token). Text from `delta.content` (and `refusal`), reasoning from
 * `reasoning_content` / `reasoning` (DeepSeek, vLLM, Ollama, OpenRouter) or `thinking` content
 * parts; tool calls streamed by `index` become argument deltas as they come, and a whole call
 * with parsed input once the model finishes; `finish_reason` and `usage` make the finish part.
 * An `{"error": …}` event, or a stream that ends without a finish reason, is an `UpstreamError`.
 * @module
 */
import type { FinishReason, ModelPart } from './provider.ts';
import { UpstreamError } from './provider.ts';
import { parseToolInput } from './tool-input.ts';
import { toUpstreamError } from './upstream-errors.ts';

/** A tool call being streamed: its arguments so far and how much of them went out. */
interface ToolCallDraft {
  index: number;
  id: string;
  name: string;
  arguments: string;
  sent: number;
}

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** OpenAI's finish reasons; a content filter or an unknown reason ends the answer as a stop. */
function finishReasonOf(raw: string): FinishReason {
  if (raw === 'length') return 'length';
  if (raw === 'tool_calls' || raw === 'function_call') return 'tool_calls';
  return 'stop';
}

/** A count from `usage`, when it is one. */
const count = (usage: Json | undefined, field: string): number | undefined => {
  const value = usage?.[field];
  return typeof value === 'number' ? value : undefined;
};

export class ChatChunkReader {
  /** Calls by their stream `index`, in the order they began. */
  readonly #calls = new Map<number, ToolCallDraft>();
  #lastIndex = -1;
  #finishReason: string | undefined;
  #usage: Json | undefined;

  /**
   * The parts of one event's parsed data, appended to `parts`. Throws the `UpstreamError` of an
   * error event, or of a chunk that is not a chunk.
   */
  read(data: unknown, parts: ModelPart[]): void {
    if (!isRecord(data) || (data.choices !== undefined && !Array.isArray(data.choices))) {
      throw new UpstreamError(
        'upstream_error',
        'the model server sent an event that is not a completion chunk',
      );
    }
    if (data.error !== undefined && data.error !== null) throw toUpstreamError(data);
    if (isRecord(data.usage)) this.#usage = data.usage;
    const choice = (data.choices as unknown[] | undefined)?.[0];
    if (!isRecord(choice)) return;
    if (typeof choice.finish_reason === 'string') this.#finishReason = choice.finish_reason;
    if (isRecord(choice.delta)) this.#readDelta(choice.delta, parts);
    // The model is done: its calls are whole (their arguments complete), whatever comes after.
    if (this.#finishReason !== undefined) this.#completeCalls(parts);
  }

  /** The last parts, once the stream has ended: calls not yet complete, then the finish. */
  end(parts: ModelPart[]): void {
    if (this.#finishReason === undefined)
      throw new UpstreamError('upstream_error', 'the model stream ended before the answer finished');
    this.#completeCalls(parts);
    parts.push({
      type: 'finish',
      reason: finishReasonOf(this.#finishReason),
      usage: {
        outputTokens: count(this.#usage, 'completion_tokens'),
        inputTokens: count(this.#usage, 'prompt_tokens'),
      },
    });
  }

  #readDelta(delta: Json, parts: ModelPart[]): void {
    const reasoning = text(delta.reasoning_content) || text(delta.reasoning);
    if (reasoning) parts.push({ type: 'reasoning', text: reasoning });
    const content = delta.content;
    if (typeof content === 'string') {
      if (content) parts.push({ type: 'text', text: content });
    } else if (Array.isArray(content)) readContentParts(content, parts);
    const refusal = text(delta.refusal);
    if (refusal) parts.push({ type: 'text', text: refusal });
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) this.#readToolCall(call, parts);
  }

  #readToolCall(piece: unknown, parts: ModelPart[]): void {
    if (!isRecord(piece)) return;
    const fn = isRecord(piece.function) ? piece.function : {};
    const name = text(fn.name).trim();
    // Without an index: a named piece starts a call, an unnamed one continues the last.
    const index =
      typeof piece.index === 'number' ? piece.index : name ? this.#lastIndex + 1 : this.#lastIndex;
    let call = this.#calls.get(index);
    if (!call) {
      call = { index, id: '', name: '', arguments: '', sent: 0 };
      this.#calls.set(index, call);
    }
    this.#lastIndex = Math.max(this.#lastIndex, index);
    call.id ||= text(piece.id);
    call.name ||= name;
    call.arguments += text(fn.arguments);
    // Arguments wait for the call's name (some servers send it after the first piece).
    if (!call.name || call.sent === call.arguments.length) return;
    call.id ||= `call_${crypto.randomUUID()}`;
    parts.push({
      type: 'tool-input-delta',
      id: call.id,
      name: call.name,
      text: call.arguments.slice(call.sent),
    });
    call.sent = call.arguments.length;
  }

  #completeCalls(parts: ModelPart[]): void {
    if (this.#calls.size === 0) return;
    const calls = [...this.#calls.values()].sort((a, b) => a.index - b.index);
    this.#calls.clear();
    for (const call of calls) {
      if (!call.name)
        throw new UpstreamError('upstream_error', 'the model server sent a tool call without a name');
      call.id ||= `call_${crypto.randomUUID()}`;
      parts.push({ type: 'tool-call', id: call.id, name: call.name, input: parseToolInput(call.arguments) });
    }
  }
}

/** Content as an array of parts (some servers): `text` parts are text, `thinking` parts reasoning. */
function readContentParts(content: unknown[], parts: ModelPart[]): void {
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (part.type === 'text' && text(part.text)) parts.push({ type: 'text', text: text(part.text) });
    else if (part.type === 'thinking' && Array.isArray(part.thinking)) {
      const reasoning = part.thinking
        .map((piece) => (isRecord(piece) && piece.type === 'text' ? text(piece.text) : ''))
        .join('');
      if (reasoning) parts.push({ type: 'reasoning', text: reasoning });
    }
  }
}
