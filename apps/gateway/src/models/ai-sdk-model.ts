/**
 * A `ModelProvider` over an AI SDK language model's `doStream` (the provider packages do the
 * wire parsing, usage and finish reasons; `streamText` would add steps and telemetry tidewire
 * does not use, at about twice the cost per token). Text deltas become `text` parts, the rest
 * (reasoning, tool calls, sources, files) is mapped by `StreamPartMapper`; a stream
 * that ends without finishing, an `error` part, a thrown error or a stall mid-answer becomes
 * an `UpstreamError`. A cancel by the caller ends the parts quietly.
 * @module
 */
import type { LanguageModelV4, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { StreamPartMapper } from './ai-sdk-parts.ts';
import { toPrompt, toTools } from './ai-sdk-prompt.ts';
import { skipRepeatedWhitespace, trailingWhitespace } from './continuation.ts';
import type { ModelPart, ModelProvider, ModelRequest } from './provider.ts';
import { UpstreamError } from './provider.ts';
import type { StallWatchdog } from './stall-watchdog.ts';
import { UpstreamCall } from './upstream-call.ts';
import { toUpstreamError } from './upstream-errors.ts';

export interface AiSdkModelOptions {
  maxOutputTokens?: number;
  /** After the first token, the longest quiet before the call fails with `upstream_timeout`. */
  idleTimeoutMs: number;
  /** How this provider continues a partial answer; absent when it cannot. */
  continuation?: {
    /** The provider strips the prefill's trailing whitespace (Anthropic). */
    trimsPrefill?: boolean;
  };
}

type FinishPart = Extract<LanguageModelV4StreamPart, { type: 'finish' }>;

function finishOf(finish: FinishPart | undefined): ModelPart {
  const unified = finish?.finishReason.unified;
  if (!finish || unified === 'error' || unified === 'interrupted')
    throw new UpstreamError('upstream_error', 'the model stream ended before the answer finished');
  return {
    type: 'finish',
    reason: unified === 'length' ? 'length' : unified === 'tool-calls' ? 'tool_calls' : 'stop',
    usage: { outputTokens: finish.usage.outputTokens.total, inputTokens: finish.usage.inputTokens.total },
  };
}

export class AiSdkModel implements ModelProvider {
  readonly name: string;
  readonly provider: string;
  readonly canContinue: boolean;
  readonly #model: LanguageModelV4;
  readonly #options: AiSdkModelOptions;

  constructor(name: string, model: LanguageModelV4, options: AiSdkModelOptions) {
    this.name = name;
    // The AI SDK names it `openai.chat`, `anthropic.messages`: the provider is the first part.
    this.provider = model.provider.split('.')[0]!;
    this.#model = model;
    this.#options = options;
    this.canContinue = options.continuation !== undefined;
  }

  async *stream(request: ModelRequest): AsyncIterable<ModelPart> {
    if (request.signal.aborted) return;
    const call = new UpstreamCall(request.signal, this.#options.idleTimeoutMs);
    try {
      yield* this.#parts(request, call.signal, call.watchdog);
    } catch (error) {
      const failure = call.failure(error);
      if (failure) throw failure;
    } finally {
      call.end();
    }
  }

  async *#parts(
    { messages, continueFrom, tools }: ModelRequest,
    signal: AbortSignal,
    watchdog: StallWatchdog,
  ): AsyncIterable<ModelPart> {
    const continuation = continueFrom ? this.#options.continuation : undefined;
    const trims = continuation?.trimsPrefill === true;
    const { stream } = await this.#model.doStream({
      prompt: toPrompt(messages, trims ? continueFrom?.trim() : continueFrom),
      abortSignal: signal,
      maxOutputTokens: this.#options.maxOutputTokens,
      tools: toTools(tools),
    });
    const join = trims ? skipRepeatedWhitespace(trailingWhitespace(continueFrom!)) : undefined;
    let finish: FinishPart | undefined;
    const mapper = new StreamPartMapper();
    const reader = stream.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (value.type === 'text-delta') {
          watchdog.token();
          const text = join ? join(value.delta) : value.delta;
          if (text) yield { type: 'text', text };
        } else if (value.type === 'error') throw toUpstreamError(value.error);
        else if (value.type === 'finish') finish = value;
        else {
          const parts = mapper.map(value);
          if (parts.length > 0) watchdog.token();
          yield* parts;
        }
      }
    } finally {
      // Also when the caller stops early: cancelling the body closes the upstream request.
      void reader.cancel().catch(() => {});
    }
    yield finishOf(finish);
  }
}
