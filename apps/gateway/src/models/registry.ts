/**
 * The models a gateway serves: `demo` always, plus the upstream model configured by
 * `LLM_PROVIDER` / `LLM_MODEL`, which then becomes the default. Each may call the gateway's
 * own tools (`ToolLoop`).
 * @module
 */
import type { Config } from '../config.ts';
import { gatewayTools, type ToolRegistry } from '../tools/registry.ts';
import { ToolLoop } from '../tools/tool-loop.ts';
import { DemoModel } from './demo.ts';
import type { PostBody } from './post-json.ts';
import type { ModelProvider } from './provider.ts';
import { createUpstreamModel } from './upstream.ts';

export class ModelRegistry {
  readonly #models = new Map<string, ModelProvider>();
  readonly defaultModel: ModelProvider;

  constructor(models: ModelProvider[], tools: ToolRegistry = gatewayTools()) {
    const looped = models.map((model) => (model instanceof ToolLoop ? model : new ToolLoop(model, tools)));
    for (const model of looped) this.#models.set(model.name, model);
    this.defaultModel = looped[looped.length - 1]!;
  }

  /** The model called `name` (the default when no name is given), or undefined. */
  resolve(name: string | undefined): ModelProvider | undefined {
    return name === undefined || name === '' ? this.defaultModel : this.#models.get(name);
  }

  get names(): string[] {
    return [...this.#models.keys()];
  }

  /** Every model with its provider, the default first. */
  list(): { id: string; provider: string; default: boolean }[] {
    const others = [...this.#models.values()].filter((m) => m !== this.defaultModel);
    return [this.defaultModel, ...others].map((m) => ({
      id: m.name,
      provider: m.provider ?? m.name,
      default: m === this.defaultModel,
    }));
  }
}

/** `post`: how the upstream model sends its requests (`fetch` unless given). */
export function createModelRegistry(config: Config, post?: PostBody): ModelRegistry {
  const models: ModelProvider[] = [new DemoModel(config.DEMO_TOKENS_PER_SEC)];
  if (config.LLM_PROVIDER !== 'demo') models.push(createUpstreamModel(config, post));
  return new ModelRegistry(models);
}
