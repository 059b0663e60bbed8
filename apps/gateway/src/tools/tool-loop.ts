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

function stepMessages(calls: readonly ToolCall[], results: readonly ToolResult[]): ChatMessage[] {
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
  batches(request: ModelRequest): AsyncIterable<ModelBatch> {
    return new ToolSteps(this.#model, this.#tools, request);
  }
}

/** The gateway runs a step's calls only when it has every tool and the client offered none of them. */
function runsAll(tools: ToolRegistry, calls: readonly ToolCall[], request: ModelRequest): boolean {
  const offered = new Set(request.tools?.map((t) => t.function.name));
  return calls.length > 0 && calls.every((c) => tools.has(c.name) && !offered.has(c.name));
}

/** The call's result: the one in the log when a takeover has it, else the tool's. */
async function resultOf(tools: ToolRegistry, call: ToolCall, request: ModelRequest): Promise<ToolResult> {
  const logged = request.sent?.toolResults.get(call.id);
  const outcome = logged ?? (await tools.run(call.name, call.input, request.signal));
  return {
    type: 'tool-result',
    id: call.id,
    name: call.name,
    output: outcome.output,
    isError: outcome.isError,
  };
}

const DONE: IteratorResult<ModelBatch> = Object.freeze({ done: true, value: undefined });

/** A step's calls or results before the first (most answers call no tool): shared, never written. */
const NONE: readonly never[] = Object.freeze([]);

/**
 * The steps of one answer as batches: the model's (minus what a takeover's reader has), then
 * each result of the tools the gateway runs, then the model again with them. Written by hand
 * rather than as an async generator: while the model is quiet it holds one pending promise
 * on the model's own `next()`, not a suspended generator with its queue of requests.
 */
class ToolSteps implements AsyncIterableIterator<ModelBatch> {
  readonly #model: ModelProvider;
  readonly #tools: ToolRegistry;
  readonly #request: ModelRequest;
  readonly #skip: SkipSent | undefined;
  #messages: ChatMessage[];
  #step = 1;
  #outputTokens = 0;
  /** The step's model call; undefined while its tool calls run. */
  #parts: AsyncIterator<ModelBatch> | undefined;
  #calls: readonly ToolCall[] = NONE;
  /** How many of the step's calls have their results. */
  #ran = 0;
  #results: readonly ToolResult[] = NONE;
  #finish: Finish | undefined;
  #ended = false;

  constructor(model: ModelProvider, tools: ToolRegistry, request: ModelRequest) {
    this.#model = model;
    this.#tools = tools;
    this.#request = request;
    this.#skip = request.sent ? new SkipSent(request.sent) : undefined;
    this.#messages = request.messages;
    this.#parts = this.#ask();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<ModelBatch>> {
    if (this.#ended) return Promise.resolve(DONE);
    if (this.#parts) return this.#parts.next().then(this.#onParts);
    return this.#nextResult();
  }

  async return(): Promise<IteratorResult<ModelBatch>> {
    this.#ended = true;
    await this.#parts?.return?.();
    return DONE;
  }

  #ask(): AsyncIterator<ModelBatch> {
    const request = { ...this.#request, messages: this.#messages };
    return batchesOf(this.#model, request)[Symbol.asyncIterator]();
  }

  /** A batch of the model: what the reader lacks of it, else on to the next. */
  readonly #onParts = (
    chunk: IteratorResult<ModelBatch>,
  ): IteratorResult<ModelBatch> | Promise<IteratorResult<ModelBatch>> => {
    if (chunk.done) return this.#endStep();
    const out: ModelPart[] = [];
    for (const part of chunk.value) {
      if (part.type === 'finish') this.#finish = part;
      else {
        if (part.type === 'tool-call') this.#calls = this.#calls.concat(part);
        const unsent = this.#skip ? this.#skip.unsent(part) : part;
        if (unsent) out.push(unsent);
      }
    }
    return out.length > 0 ? { done: false, value: out } : this.next();
  };

  /** The model's step ended: the answer's finish, or on to the gateway's tools. */
  #endStep(): IteratorResult<ModelBatch> | Promise<IteratorResult<ModelBatch>> {
    this.#parts = undefined;
    const finish = this.#finish;
    if (!finish || this.#request.signal.aborted) return this.#end();
    this.#outputTokens += finish.usage?.outputTokens ?? 0;
    const usage = { ...finish.usage, outputTokens: this.#outputTokens };
    const calls = this.#calls;
    if (
      finish.reason !== 'tool_calls' ||
      calls.length === 0 ||
      !runsAll(this.#tools, calls, this.#request) ||
      this.#step === MAX_STEPS
    ) {
      this.#ended = true;
      return { done: false, value: [{ ...finish, usage }] };
    }
    return this.#nextResult();
  }

  /** The next tool's result (each run only when the one before was handed over), then the next step. */
  async #nextResult(): Promise<IteratorResult<ModelBatch>> {
    while (this.#ran < this.#calls.length) {
      const result = await resultOf(this.#tools, this.#calls[this.#ran++]!, this.#request);
      this.#results = this.#results.concat(result);
      const unsent = this.#skip ? this.#skip.unsent(result) : result;
      if (unsent) return { done: false, value: [unsent] };
    }
    if (this.#request.signal.aborted) return this.#end();
    this.#messages = [...this.#messages, ...stepMessages(this.#calls, this.#results)];
    this.#step++;
    this.#calls = NONE;
    this.#results = NONE;
    this.#ran = 0;
    this.#finish = undefined;
    this.#parts = this.#ask();
    return this.next();
  }

  #end(): IteratorResult<ModelBatch> {
    this.#ended = true;
    return DONE;
  }
}
