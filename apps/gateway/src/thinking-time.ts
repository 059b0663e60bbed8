/**
 * How long the model thought: from its first reasoning part to the first part after that
 * reasoning (or the answer's end). The gateway measures it once and sends it as the end of
 * the reasoning (`reasoning {text: "", thought_ms}`), which the conversation stores too, so
 * the page shows the same "Thought for N s" live, after a replay and after a reload.
 * @module
 */
import type { AnswerPart, ReasoningEnd } from './answer-parts.ts';

/** The default clock, one for all (a closure per answer would be held as long as its stream). */
const performanceNow = () => performance.now();

export class ThinkingTime {
  readonly #now: () => number;
  #since: number | undefined;
  #ended: boolean;

  /** `ended`: the reader already has the end of the reasoning (a takeover of a later part). */
  constructor(options: { now?: () => number; ended?: boolean } = {}) {
    this.#now = options.now ?? performanceNow;
    this.#ended = options.ended ?? false;
  }

  /** The end of the reasoning to send before `part`, when `part` is the first after it. */
  before(part: AnswerPart): ReasoningEnd | undefined {
    if (this.#ended) return undefined;
    if (part.type === 'reasoning') {
      this.#since ??= this.#now();
      return undefined;
    }
    return this.end();
  }

  /** The end of the reasoning, when the model has reasoned and it was not sent yet. */
  end(): ReasoningEnd | undefined {
    if (this.#ended || this.#since === undefined) return undefined;
    this.#ended = true;
    return { type: 'reasoning-end', thoughtMs: Math.round(this.#now() - this.#since) };
  }
}
