/**
 * The built-in `demo` model: streams `demoAnswer(question)` token by token at
 * `DEMO_TOKENS_PER_SEC` (0 = as fast as possible, yielding to the event loop now and then).
 * It can continue a partial answer deterministically, so a takeover is seamless.
 * @module
 */
import { sleep } from '@tidewire/client';
import { demoAnswer, tokenize } from './demo-answer.ts';
import type { ModelPart, ModelProvider, ModelRequest } from './provider.ts';

/** Tokens produced between event-loop yields when unpaced. */
const UNPACED_BATCH = 64;

export class DemoModel implements ModelProvider {
  readonly name = 'demo';
  readonly canContinue = true;
  readonly #tokensPerSec: number;

  constructor(tokensPerSec: number) {
    this.#tokensPerSec = tokensPerSec;
  }

  async *stream({ messages, signal, continueFrom = '' }: ModelRequest): AsyncIterable<ModelPart> {
    const question = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const tokens = tokenize(demoAnswer(question));
    let start = 0;
    for (let sent = ''; start < tokens.length && sent.length < continueFrom.length; start++)
      sent += tokens[start];
    const intervalMs = this.#tokensPerSec > 0 ? 1000 / this.#tokensPerSec : 0;
    const began = performance.now();
    for (let i = start; i < tokens.length; i++) {
      if (signal.aborted) return;
      if (intervalMs > 0) {
        const due = began + (i - start) * intervalMs;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait, signal);
        if (signal.aborted) return;
      } else if (i % UNPACED_BATCH === UNPACED_BATCH - 1) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      yield { type: 'text', text: tokens[i]! };
    }
    yield { type: 'finish', reason: 'stop', usage: { outputTokens: tokens.length - start } };
  }
}
