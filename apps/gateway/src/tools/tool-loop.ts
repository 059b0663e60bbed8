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
import { type BatchPull, type BatchReceiver, nextOf, pullOf, returnOf } from '../models/batch-pull.ts';
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

/** A step's calls or results before the first (most answers call no tool): shared, never written. */
const NONE: readonly never[] = Object.freeze([]);

/**
 * The steps of one answer as batches: the model's (minus what a takeover's reader has), then
 * each result of the tools the gateway runs, then the model again with them. Pulled by
 * callback (`batch-pull.ts`), not written as an async generator: while the model is quiet it
 * holds its receiver and is the model's, with no promise of its own.
 */
class ToolSteps implements AsyncIterableIterator<ModelBatch>, BatchPull, BatchReceiver {
  readonly #model: ModelProvider;
  readonly #tools: ToolRegistry;
  readonly #request: ModelRequest;
  readonly #skip: SkipSent | undefined;
  #messages: ChatMessage[];
  #step = 1;
  #outputTokens = 0;
  /** The step's model call; undefined while its tool calls run. */
  #parts: BatchPull | undefined;
  /** Who waits for the next batch. */
  #receiver: BatchReceiver | undefined;
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
    return nextOf(this);
  }

  return(): Promise<IteratorResult<ModelBatch>> {
    return returnOf(this);
  }

  /** It stops the model when its own receiver stops it on an abort. */
  get stopsOnAbort(): boolean {
    return this.#receiver?.stopsOnAbort === true;
  }

  pull(receiver: BatchReceiver): void {
    if (this.#ended) {
      receiver.end();
      return;
    }
    this.#receiver = receiver;
    if (this.#parts) this.#parts.pull(this);
    else void this.#nextResult();
  }

  stop(): Promise<void> | undefined {
    this.#ended = true;
    const parts = this.#parts;
    if (parts) return parts.stop();
    this.#handEnd();
    return undefined;
  }

  #ask(): BatchPull {
    // The first step asks with the request as it came (no copy held for the answer's life).
    const messages = this.#messages;
    const request = messages === this.#request.messages ? this.#request : { ...this.#request, messages };
    return pullOf(batchesOf(this.#model, request));
  }

  /** A batch of the model: what the reader lacks of it, else on to the next. */
  batch(chunk: ModelBatch): void {
    const out: ModelPart[] = [];
    for (const part of chunk) {
      if (part.type === 'finish') this.#finish = part;
      else {
        if (part.type === 'tool-call') this.#calls = this.#calls.concat(part);
        const unsent = this.#skip ? this.#skip.unsent(part) : part;
        if (unsent) out.push(unsent);
      }
    }
    if (out.length > 0) this.#hand(out);
    else this.#parts!.pull(this);
  }

  /** The model's step ended: the answer's finish, or on to the gateway's tools. */
  end(): void {
    this.#parts = undefined;
    const finish = this.#finish;
    if (this.#ended || !finish || this.#request.signal.aborted) {
      this.#end();
      return;
    }
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
      this.#hand([{ ...finish, usage }]);
    } else void this.#nextResult();
  }

  fail(error: unknown): void {
    this.#ended = true;
    const receiver = this.#receiver;
    this.#receiver = undefined;
    receiver?.fail(error);
  }

  /** The next tool's result (each run only when the one before was handed over), then the next step. */
  async #nextResult(): Promise<void> {
    let unsent: ModelPart | undefined;
    try {
      while (!unsent && this.#ran < this.#calls.length) {
        const result = await resultOf(this.#tools, this.#calls[this.#ran++]!, this.#request);
        this.#results = this.#results.concat(result);
        unsent = this.#skip ? this.#skip.unsent(result) : result;
      }
    } catch (error) {
      this.fail(error);
      return;
    }
    if (this.#ended)
      this.#handEnd(); // stopped while a tool ran
    else if (unsent) this.#hand([unsent]);
    else if (this.#request.signal.aborted) this.#end();
    else this.#nextStep();
  }

  /** Asks the model again, with the step's calls and their results. */
  #nextStep(): void {
    this.#messages = [...this.#messages, ...stepMessages(this.#calls, this.#results)];
    this.#step++;
    this.#calls = NONE;
    this.#results = NONE;
    this.#ran = 0;
    this.#finish = undefined;
    this.#parts = this.#ask();
    this.#parts.pull(this);
  }

  #hand(batch: ModelBatch): void {
    const receiver = this.#receiver;
    this.#receiver = undefined;
    receiver?.batch(batch);
  }

  #handEnd(): void {
    const receiver = this.#receiver;
    this.#receiver = undefined;
    receiver?.end();
  }

  #end(): void {
    this.#ended = true;
    this.#handEnd();
  }
}
