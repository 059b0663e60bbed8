/**
 * The upstream model chosen by `LLM_PROVIDER`: `openai` for any OpenAI-compatible server
 * (OpenAI, Ollama, vLLM, llama.cpp, LM Studio, OpenRouter), through tidewire's own lean
 * client (`OpenAIChatModel`), and `anthropic` through the AI SDK's provider package; neither
 * retries silently (a retry would bill twice).
 * @module
 */
import { createAnthropic } from '@ai-sdk/anthropic';
import { type Config, ConfigError } from '../config.ts';
import { AiSdkModel } from './ai-sdk-model.ts';
import { OpenAIChatModel } from './openai-chat-model.ts';
import type { PostBody } from './post-json.ts';
import type { ModelProvider } from './provider.ts';

/** Anthropic requires a cap on the answer length; this one when `LLM_MAX_TOKENS` is unset. */
const ANTHROPIC_MAX_TOKENS = 4096;

/** `post`: how the OpenAI-compatible client sends its requests (`fetch` unless given). */
export function createUpstreamModel(config: Config, post?: PostBody): ModelProvider {
  const name = config.LLM_MODEL;
  if (!name) throw new ConfigError(`LLM_PROVIDER=${config.LLM_PROVIDER} needs LLM_MODEL`);
  if (config.LLM_PROVIDER === 'anthropic') {
    const provider = createAnthropic({ baseURL: config.LLM_BASE_URL, apiKey: config.LLM_API_KEY ?? '' });
    return new AiSdkModel(name, provider.languageModel(name), {
      maxOutputTokens: config.LLM_MAX_TOKENS ?? ANTHROPIC_MAX_TOKENS,
      idleTimeoutMs: config.LLM_IDLE_TIMEOUT_MS,
      // Anthropic continues a trailing assistant message (a prefill) without trailing whitespace.
      continuation: { trimsPrefill: true },
    });
  }
  if (!config.LLM_BASE_URL)
    throw new ConfigError(
      'LLM_PROVIDER=openai needs LLM_BASE_URL (for OpenAI itself: https://api.openai.com/v1)',
    );
  return new OpenAIChatModel(name, {
    baseUrl: config.LLM_BASE_URL,
    apiKey: config.LLM_API_KEY,
    maxTokens: config.LLM_MAX_TOKENS,
    idleTimeoutMs: config.LLM_IDLE_TIMEOUT_MS,
    // Only servers that know `continue_final_message` (vLLM) may get it: OpenAI itself
    // refuses unknown parameters.
    continueFinalMessage: config.LLM_CONTINUE_FINAL_MESSAGE,
    post,
  });
}
