/**
 * The limits on starting streams: new streams per user (or IP) per minute
 * (`RATE_LIMIT_PER_MIN`, rate-limiter-flexible; in Redis when there is one, so all instances
 * share it) and concurrent generations per user (`MAX_STREAMS_PER_USER`, `Slots`: on this
 * instance, or across instances in Redis). Resumes count against neither. Refusals are 429
 * with `Retry-After`; Redis being away is 503.
 * @module
 */
import { StoreUnavailableError } from '@tidewire/server';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { ApiError } from '../errors.ts';
import { MemorySlots, type Slots } from './slots.ts';

export interface StreamLimitsOptions {
  perMinute: number;
  concurrent: number;
  /** A node-redis client to share the rate across instances. */
  redis?: unknown;
  /** Where running generations are counted (default: in this instance's memory). */
  slots?: Slots;
}

const NO_SLOT = () => {};

export class StreamLimits {
  readonly #rate: RateLimiterAbstract | undefined;
  readonly #concurrent: number;
  readonly #slots: Slots;

  constructor(options: StreamLimitsOptions) {
    this.#concurrent = options.concurrent;
    this.#slots = options.slots ?? new MemorySlots();
    if (options.perMinute <= 0) return;
    const shape = { points: options.perMinute, duration: 60, keyPrefix: 'tw:rate' };
    this.#rate = options.redis
      ? new RateLimiterRedis({
          ...shape,
          storeClient: options.redis,
          useRedisPackage: true,
          rejectIfRedisNotReady: true,
        })
      : new RateLimiterMemory(shape);
  }

  /**
   * Admits a new stream for `key` or throws 429. Returns the function that frees its
   * concurrency slot (call it when the stream ends).
   */
  async admit(key: string): Promise<() => void> {
    const release = this.#concurrent > 0 ? await this.#slots.take(key, this.#concurrent) : NO_SLOT;
    if (!release) {
      throw new ApiError(
        429,
        'too_many_streams',
        `at most ${this.#concurrent} answers can run at once; wait for one to finish`,
        { 'Retry-After': '5' },
      );
    }
    try {
      await this.#consume(key);
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  close(): void {
    this.#slots.close();
  }

  async #consume(key: string): Promise<void> {
    if (!this.#rate) return;
    try {
      await this.#rate.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes))
        throw new StoreUnavailableError('cannot count new streams in Redis', { cause: error });
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new ApiError(429, 'rate_limited', `too many new streams; try again in ${seconds} s`, {
        'Retry-After': String(seconds),
      });
    }
  }
}
