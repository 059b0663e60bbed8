/**
 * The built-in `demo` model: streams `demoAnswer(question)` token by token at
 * `DEMO_TOKENS_PER_SEC` (0 = as fast as possible, yielding to the event loop now and then).
 * It can continue a partial answer deterministically, so a takeover is seamless.
 * @module
 */
import { sleep } from '@tidewire/client';
import { cachedDemoAnswer, tokensFrom } from './demo-answer.ts';
import type { ModelPart, ModelProvider, ModelRequest } from './provider.ts';

/** Lets I/O run between batches (setImmediate where the runtime has it: no timer clamp). */
const yieldToEventLoop: (callback: () => void) => void =
  typeof setImmediate === 'function'
    ? (callback) => setImmediate(callback)
    : (callback) => setTimeout(callback, 0);

/** Tokens produced between event-loop yields when unpaced. */
const UNPACED_BATCH = 64;

export class DemoModel implements ModelProvider {
  readonly name = 'demo';
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

  async *stream({ messages, signal, continueFrom = '' }: ModelRequest): AsyncIterable<ModelPart> {
    const question = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const answer = cachedDemoAnswer(question);
    // Continue after the last whole token already sent.
    let offset = 0;
    for (const token of tokensFrom(answer)) {
      if (offset >= continueFrom.length) break;
      offset += token.length;
    }
    const intervalMs = this.#tokensPerSec > 0 ? 1000 / this.#tokensPerSec : 0;
    const began = performance.now();
    let count = 0;
    for (const token of tokensFrom(answer, offset)) {
      if (signal.aborted) return;
      if (intervalMs > 0) {
        const wait = began + count * intervalMs - performance.now();
        if (wait > 0) await sleep(wait, signal);
        if (signal.aborted) return;
      } else if (count % UNPACED_BATCH === UNPACED_BATCH - 1) {
        await new Promise<void>((resolve) => yieldToEventLoop(resolve));
      }
      count++;
      yield { type: 'text', text: token };
    }
    yield { type: 'finish', reason: 'stop', usage: { outputTokens: count } };
  }
}
