/**
 * `MemoryCounts`: the stream limits counted in this instance's memory (no Redis): running
 * generations per key (`KeyedCounter`) and new streams per key per minute
 * (rate-limiter-flexible). The slot is checked first, so a start refused for its slot
 * consumes no rate; one refused for its rate gives its slot back.
 * @module
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { KeyedCounter } from './keyed-counter.ts';
import type { Admission, LimitCounts, LimitShape } from './stream-limits.ts';

const NO_SLOT = () => {};

export class MemoryCounts implements LimitCounts {
  readonly seesStreams = false;
  readonly #concurrent: number;
  readonly #held = new KeyedCounter();
  readonly #rate: RateLimiterMemory | undefined;

  constructor(shape: LimitShape) {
    this.#concurrent = shape.concurrent;
    if (shape.perMinute > 0)
      this.#rate = new RateLimiterMemory({ points: shape.perMinute, duration: 60, keyPrefix: 'tw:rate' });
  }

  async take(key: string): Promise<Admission> {
    if (this.#concurrent > 0 && this.#held.count(key) >= this.#concurrent) return { refused: 'streams' };
    const release = this.#concurrent > 0 ? this.#held.take(key) : NO_SLOT;
    try {
      await this.#rate?.consume(key);
    } catch (error) {
      release();
      if (error instanceof RateLimiterRes) return { refused: 'rate', msBeforeNext: error.msBeforeNext };
      throw error;
    }
    return { release };
  }

  close(): void {}
}
