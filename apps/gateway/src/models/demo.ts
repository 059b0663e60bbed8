/**
 * The built-in `demo` model: streams a short reasoning, then `demoAnswer(question)` token by
 * token at `DEMO_TOKENS_PER_SEC` (0 = as fast as possible, yielding to the event loop now and
 * then). A question that asks for the time or a calculation gets a real tool call instead
 * (its arguments streamed in pieces); given the tool's result, the demo answers with it.
 * It continues a partial answer deterministically, so a takeover is seamless.
 * @module
 */
import { sleep } from '@tidewire/client';
import { cachedDemoAnswer, tokensFrom } from './demo-answer.ts';
import {
  argumentPieces,
  demoAttachments,
  demoReasoning,
  demoToolAnswer,
  demoToolCall,
} from './demo-tools.ts';
import type { ChatMessage, ModelPart, ModelProvider, ModelRequest } from './provider.ts';

/** Lets I/O run between batches (setImmediate where the runtime has it: no timer clamp). */
const yieldToEventLoop: (callback: () => void) => void =
  typeof setImmediate === 'function'
    ? (callback) => setImmediate(callback)
    : (callback) => setTimeout(callback, 0);

/** Tokens produced between event-loop yields when unpaced. */
const UNPACED_BATCH = 64;

/** Spaces tokens at a steady rate from the first paced one. */
class Pacer {
  readonly #intervalMs: number;
  readonly #signal: AbortSignal;
  readonly #began = performance.now();
  count = 0;

  constructor(tokensPerSec: number, signal: AbortSignal) {
    this.#intervalMs = tokensPerSec > 0 ? 1000 / tokensPerSec : 0;
    this.#signal = signal;
  }

  /** Waits for the next token's turn; false when the call was cancelled. */
  async next(): Promise<boolean> {
    if (this.#signal.aborted) return false;
    if (this.#intervalMs > 0) {
      const wait = this.#began + this.count * this.#intervalMs - performance.now();
      if (wait > 0) await sleep(wait, this.#signal);
    } else if (this.count % UNPACED_BATCH === UNPACED_BATCH - 1) {
      await new Promise<void>((resolve) => yieldToEventLoop(resolve));
    }
    this.count++;
    return !this.#signal.aborted;
  }
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

  async *stream({ messages, signal, continueFrom = '', sent }: ModelRequest): AsyncIterable<ModelPart> {
    const pacer = new Pacer(this.#tokensPerSec, signal);
    const result = toolResultOf(messages);
    if (result) {
      yield* this.#text(demoToolAnswer(result.name, result.output), continueFrom, pacer);
      if (signal.aborted) return;
      yield* demoAttachments(result.name, result.output);
      yield { type: 'finish', reason: 'stop', usage: { outputTokens: pacer.count } };
      return;
    }
    const question = messages.findLast((m) => m.role === 'user')?.content ?? '';
    const call = demoToolCall(question);
    // The reasoning is replayed whole (a takeover drops what the reader has), paced past it.
    const reasoning = demoReasoning(question, call);
    let replayed = 0;
    for (const token of tokensFrom(reasoning)) {
      replayed += token.length;
      if (replayed > (sent?.reasoning.length ?? 0) && !(await pacer.next())) return;
      yield { type: 'reasoning', text: token };
    }
    if (call) {
      for (const text of argumentPieces(call.arguments)) {
        if (!(await pacer.next())) return;
        yield { type: 'tool-input-delta', id: call.id, name: call.name, text };
      }
      yield { type: 'tool-call', id: call.id, name: call.name, input: JSON.parse(call.arguments) };
      yield { type: 'finish', reason: 'tool_calls', usage: { outputTokens: pacer.count } };
      return;
    }
    yield* this.#text(cachedDemoAnswer(question), continueFrom, pacer);
    if (!signal.aborted) yield { type: 'finish', reason: 'stop', usage: { outputTokens: pacer.count } };
  }

  async *#text(answer: string, continueFrom: string, pacer: Pacer): AsyncIterable<ModelPart> {
    for (const token of tokensFrom(answer, offsetAfter(answer, continueFrom))) {
      if (!(await pacer.next())) return;
      yield { type: 'text', text: token };
    }
  }
}
