/**
 * `ToolLoop`: a model that can call the gateway's own tools. When a step of the model ends
 * asking for tools the gateway has (and the client did not offer under the same name), the
 * gateway runs them, streams each result, and asks the model again with the calls and their
 * results; a call to a client's tool ends the answer with `tool_calls` (the client runs it).
 * A continued generation (takeover) neither repeats the parts the reader has nor re-runs a
 * tool whose result is in the log.
 * @module
 */
import { toolResultContent } from '../answer-parts.ts';
import {
  batchesOf,
  type ChatMessage,
  type ModelBatch,
  type ModelPart,
  type ModelProvider,
  type ModelRequest,
  partsOf,
} from '../models/provider.ts';
import type { ToolRegistry } from './registry.ts';
import { SkipSent } from './skip-sent.ts';

type ToolCall = Extract<ModelPart, { type: 'tool-call' }>;
type Finish = Extract<ModelPart, { type: 'finish' }>;
type ToolResult = Extract<ModelPart, { type: 'tool-result' }>;

/** Most model calls in one answer (a model that keeps calling tools is stopped there). */
const MAX_STEPS = 5;

function stepMessages(calls: ToolCall[], results: ToolResult[]): ChatMessage[] {
  return [
    {
      role: 'assistant',
      content: '',
      tool_calls: calls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: JSON.stringify(c.input) },
      })),
    },
    ...results.map((r) => ({
      role: 'tool' as const,
      tool_call_id: r.id,
      content: toolResultContent(r.output, r.isError),
    })),
  ];
}

export class ToolLoop implements ModelProvider {
  readonly name: string;
  readonly provider: string | undefined;
  readonly countTokens: ((text: string) => number) | undefined;
  readonly canContinue: boolean;
  readonly #model: ModelProvider;
  readonly #tools: ToolRegistry;

  constructor(model: ModelProvider, tools: ToolRegistry) {
    this.#model = model;
    this.#tools = tools;
    this.name = model.name;
    this.provider = model.provider;
    this.countTokens = model.countTokens && ((text) => model.countTokens!(text));
    this.canContinue = model.canContinue;
  }

  stream(request: ModelRequest): AsyncIterable<ModelPart> {
    return partsOf(this.batches(request));
  }

  /** The model's parts a chunk at a time, with the results of the tools the gateway runs. */
  async *batches(request: ModelRequest): AsyncIterable<ModelBatch> {
    const skip = request.sent ? new SkipSent(request.sent) : undefined;
    let messages = request.messages;
    let outputTokens = 0;
    for (let step = 1; ; step++) {
      const calls: ToolCall[] = [];
      let finish: Finish | undefined;
      for await (const batch of batchesOf(this.#model, { ...request, messages })) {
        const out: ModelPart[] = [];
        for (const part of batch) {
          if (part.type === 'finish') finish = part;
          else {
            if (part.type === 'tool-call') calls.push(part);
            const unsent = skip ? skip.unsent(part) : part;
            if (unsent) out.push(unsent);
          }
        }
        if (out.length > 0) yield out;
      }
      if (!finish || request.signal.aborted) return;
      outputTokens += finish.usage?.outputTokens ?? 0;
      const usage = { ...finish.usage, outputTokens };
      if (finish.reason !== 'tool_calls' || !this.#runsAll(calls, request) || step === MAX_STEPS) {
        yield [{ ...finish, usage }];
        return;
      }
      const results: ToolResult[] = [];
      for (const call of calls) {
        const result = await this.#result(call, request);
        results.push(result);
        const unsent = skip ? skip.unsent(result) : result;
        if (unsent) yield [unsent];
      }
      if (request.signal.aborted) return;
      messages = [...messages, ...stepMessages(calls, results)];
    }
  }

  /** The gateway runs a step's calls only when it has every tool and the client offered none of them. */
  #runsAll(calls: ToolCall[], request: ModelRequest): boolean {
    const offered = new Set(request.tools?.map((t) => t.function.name));
    return calls.length > 0 && calls.every((c) => this.#tools.has(c.name) && !offered.has(c.name));
  }

  /** The call's result: the one in the log when a takeover has it, else the tool's. */
  async #result(call: ToolCall, request: ModelRequest): Promise<ToolResult> {
    const logged = request.sent?.toolResults.get(call.id);
    const outcome = logged ?? (await this.#tools.run(call.name, call.input, request.signal));
    return {
      type: 'tool-result',
      id: call.id,
      name: call.name,
      output: outcome.output,
      isError: outcome.isError,
    };
  }
}
