/**
 * Upstream model providers (`LLM_PROVIDER=openai|anthropic`). Placeholder until the
 * providers land: configuring one fails at start with a clear message.
 * @module
 */
import type { Config } from '../config.ts';
import type { ModelProvider } from './provider.ts';

export function createUpstreamModel(config: Config): ModelProvider {
  throw new Error(`LLM_PROVIDER=${config.LLM_PROVIDER} is not available in this build`);
}
