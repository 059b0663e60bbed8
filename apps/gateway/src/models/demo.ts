/**
 * The built-in `demo` model: streams a short reasoning, then `demoAnswer(question)` token by
 * token at `DEMO_TOKENS_PER_SEC` (0 = as fast as possible, yielding to the event loop now and
 * then), the tokens due at once handed over as one batch. A question that asks for the time or a calculation gets a real tool call instead
 * (its arguments streamed in pieces); given the tool's result, the demo answers with it.
 * It continues a partial answer deterministically, so a takeover is seamless.
 * @module
 */
import { cachedDemoAnswer, tokensFrom } from './demo-answer.ts';
import {
  argumentPieces,
  demoAttachments,
  demoReasoning,
  demoToolAnswer,
  demoToolCall,
} from './demo-tools.ts';
import { wakeAt } from './pace-wheel.ts';
import {
  type ChatMessage,
  type ModelBatch,
  type ModelPart,
  type ModelProvider,
  type ModelRequest,
  partsOf,
} from './provider.ts';

/** Lets I/O run between batches (setImmediate where the runtime has it: no timer clamp). */
const yieldToEventLoop: (callback: () => void) => void =
  typeof setImmediate === 'function'
    ? (callback) => setImmediate(callback)
    : (callback) => setTimeout(callback, 0);

/** Tokens produced between event-loop yields when unpaced. */
const UNPACED_BATCH = 64;

/** Spaces tokens at a steady rate from the first paced one, waiting on the shared pace wheel. */
class Pacer {
  readonly #intervalMs: number;
  readonly #signal: AbortSignal;
  readonly #began = performance.now();
  #wake: (() => void) | undefined;
  count = 0;

  constructor(tokensPerSec: number, signal: AbortSignal) {
    this.#intervalMs = tokensPerSec > 0 ? 1000 / tokensPerSec : 0;
    this.#signal = signal;
  }

  /** Whether the next token may go now, in the batch being built. */
  due(): boolean {
    if (this.#intervalMs > 0) return this.#began + this.count * this.#intervalMs <= performance.now();
    return this.count % UNPACED_BATCH !== UNPACED_BATCH - 1;
  }

  /** Waits for the next token's turn; false when the call was cancelled. */
  async wait(): Promise<boolean> {
    if (this.#intervalMs > 0 && this.#wake === undefined) {
      // One abort listener per call (not per token) ends the current wait at once.
      this.#signal.addEventListener('abort', () => this.#wake?.(), { once: true });
    }
    await new Promise<void>((resolve) => {
      if (this.#intervalMs === 0) {
        this.#wake = resolve;
        yieldToEventLoop(resolve);
        return;
      }
      const off = wakeAt(this.#began + this.count * this.#intervalMs, resolve);
      this.#wake = () => {
        off();
        resolve();
      };
    });
    return !this.#signal.aborted;
  }
}

/** One part the demo produces, and whether it takes a paced token's turn. */
interface Step {
  part: ModelPart;
  paced: boolean;
}

/** Where the continuation of `text` starts: after the last whole token of `sent`. */
function offsetAfter(text: string, sent: string): number {
  let offset = 0;
  for (const token of tokensFrom(text)) {
    if (offset >= sent.length) break;
    offset += token.length;
  }
  return offset;
}

/** The tool message answering the last question, and the name of the tool it answers. */
function toolResultOf(messages: ChatMessage[]): { name: string; output: string } | undefined {
  const lastQuestion = messages.findLastIndex((m) => m.role === 'user');
  const after = messages.slice(lastQuestion + 1);
  const result = after.find((m) => m.role === 'tool');
  if (!result) return undefined;
  const calls = after.flatMap((m) => m.tool_calls ?? []);
  const name = calls.find((c) => c.id === result.tool_call_id)?.function.name ?? 'tool';
  return { name, output: result.content };
}

export class DemoModel implements ModelProvider {
  readonly name = 'demo';
  readonly provider = 'demo';
  readonly canContinue = true;
  readonly #tokensPerSec: number;

  constructor(tokensPerSec: number) {
    this.#tokensPerSec = tokensPerSec;
  }

  countTokens(text: string): number {
    let count = 0;
    for (const _ of tokensFrom(text)) count++;
    return count;
  }

  stream(request: ModelRequest): AsyncIterable<ModelPart> {
    return partsOf(this.batches(request));
  }

  /** The parts due at once: all of them between event-loop yields unpaced, the tokens of one wheel tick paced. */
  async *batches(request: ModelRequest): AsyncIterable<ModelBatch> {
    const pacer = new Pacer(this.#tokensPerSec, request.signal);
    let batch: ModelPart[] = [];
    for (const { part, paced } of this.#steps(request, pacer)) {
      if (paced) {
        if (request.signal.aborted) break;
        if (!pacer.due()) {
          if (batch.length > 0) yield batch;
          batch = [];
          if (!(await pacer.wait())) return;
        }
        pacer.count++;
      }
      batch.push(part);
    }
    if (batch.length > 0) yield batch;
  }

  /** The demo's parts in order, made as they are taken (a finish reads the count so far). */
  *#steps({ messages, signal, continueFrom = '', sent }: ModelRequest, pacer: Pacer): Generator<Step> {
    const result = toolResultOf(messages);
    if (result) {
      yield* this.#text(demoToolAnswer(result.name, result.output), continueFrom);
      if (signal.aborted) return;
      for (const part of demoAttachments(result.name, result.output)) yield unpaced(part);
      yield unpaced({ type: 'finish', reason: 'stop', usage: { outputTokens: pacer.count } });
      return;
    }
    const question = messages.findLast((m) => m.role === 'user')?.content ?? '';
    const call = demoToolCall(question);
    // The reasoning is replayed whole (a takeover drops what the reader has), paced past it.
    const reasoning = demoReasoning(question, call);
    let replayed = 0;
    for (const token of tokensFrom(reasoning)) {
      replayed += token.length;
      yield { part: { type: 'reasoning', text: token }, paced: replayed > (sent?.reasoning.length ?? 0) };
    }
    if (call) {
      for (const text of argumentPieces(call.arguments)) {
        yield { part: { type: 'tool-input-delta', id: call.id, name: call.name, text }, paced: true };
      }
      yield unpaced({ type: 'tool-call', id: call.id, name: call.name, input: JSON.parse(call.arguments) });
      yield unpaced({ type: 'finish', reason: 'tool_calls', usage: { outputTokens: pacer.count } });
      return;
    }
    yield* this.#text(cachedDemoAnswer(question), continueFrom);
    if (!signal.aborted)
      yield unpaced({ type: 'finish', reason: 'stop', usage: { outputTokens: pacer.count } });
  }

  *#text(answer: string, continueFrom: string): Generator<Step> {
    for (const token of tokensFrom(answer, offsetAfter(answer, continueFrom))) {
      yield { part: { type: 'text', text: token }, paced: true };
    }
  }
}

const unpaced = (part: ModelPart): Step => ({ part, paced: false });
