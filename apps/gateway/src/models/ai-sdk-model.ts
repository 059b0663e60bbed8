/**
 * A `ModelProvider` over an AI SDK language model's `doStream` (the provider packages do the
 * wire parsing, usage and finish reasons; `streamText` would add steps and telemetry tidewire
 * does not use, at about twice the cost per token). Text deltas become `text` parts; a stream
 * that ends without finishing, an `error` part or a thrown error becomes an `UpstreamError`.
 * @module
 */
import type { LanguageModelV4, LanguageModelV4Prompt, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import type { ChatMessage, ModelPart, ModelProvider, ModelRequest } from './provider.ts';
import { UpstreamError } from './provider.ts';
import { toUpstreamError } from './upstream-errors.ts';

export interface AiSdkModelOptions {
  maxOutputTokens?: number;
  /** How this provider continues a partial answer; absent when it cannot. */
  continuation?: { providerOptions?: Record<string, Record<string, string | boolean>> };
}

function toPrompt(messages: ChatMessage[], continueFrom: string | undefined): LanguageModelV4Prompt {
  const prompt: LanguageModelV4Prompt = messages.map((m) =>
    m.role === 'system'
      ? { role: 'system', content: m.content }
      : { role: m.role, content: [{ type: 'text', text: m.content }] },
  );
  // A trailing assistant message is a prefill: the model continues it (Anthropic; vLLM with
  // continue_final_message).
  if (continueFrom) prompt.push({ role: 'assistant', content: [{ type: 'text', text: continueFrom }] });
  return prompt;
}

export class AiSdkModel implements ModelProvider {
  readonly name: string;
  readonly canContinue: boolean;
  readonly #model: LanguageModelV4;
  readonly #options: AiSdkModelOptions;

  constructor(name: string, model: LanguageModelV4, options: AiSdkModelOptions = {}) {
    this.name = name;
    this.#model = model;
    this.#options = options;
    this.canContinue = options.continuation !== undefined;
  }

  async *stream({ messages, signal, continueFrom }: ModelRequest): AsyncIterable<ModelPart> {
    let result: Awaited<ReturnType<LanguageModelV4['doStream']>>;
    try {
      result = await this.#model.doStream({
        prompt: toPrompt(messages, continueFrom),
        abortSignal: signal,
        maxOutputTokens: this.#options.maxOutputTokens,
        providerOptions: continueFrom ? this.#options.continuation?.providerOptions : undefined,
      });
    } catch (error) {
      if (signal.aborted) return;
      throw toUpstreamError(error);
    }
    let finish: Extract<LanguageModelV4StreamPart, { type: 'finish' }> | undefined;
    const reader = result.stream.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (value.type === 'text-delta') yield { type: 'text', text: value.delta };
        else if (value.type === 'error') throw toUpstreamError(value.error);
        else if (value.type === 'finish') finish = value;
      }
    } catch (error) {
      if (signal.aborted) return;
      throw toUpstreamError(error);
    } finally {
      reader.releaseLock();
    }
    const unified = finish?.finishReason.unified;
    if (!finish || unified === 'error' || unified === 'interrupted') {
      if (signal.aborted) return;
      throw new UpstreamError('upstream_error', 'the model stream ended before the answer finished');
    }
    yield {
      type: 'finish',
      reason: unified === 'length' ? 'length' : 'stop',
      usage: { outputTokens: finish.usage.outputTokens.total, inputTokens: finish.usage.inputTokens.total },
    };
  }
}
