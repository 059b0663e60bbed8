/**
 * The limits on starting streams: new streams per user (or IP) per minute
 * (`RATE_LIMIT_PER_MIN`) and concurrent generations per user (`MAX_STREAMS_PER_USER`), counted
 * on this instance (`MemoryCounts`) or, with Redis, across all of them (`RedisCounts`, both
 * limits in one round trip, the very one that creates a chat stream: `asCreated`). A start
 * takes a slot and a unit of rate together or neither: one refused for its slot consumes no
 * rate, one refused for its rate holds no slot. Resumes count against neither, nor does a start
 * naming a stream that exists (a repeated start: with Redis the limits' script looks, so a
 * start waits for no round trip more; else the starter looks first, for nothing). Refusals are
 * 429 with `Retry-After`; Redis being away is 503.
 * @module
 */
import { type StoreAdmission, TidewireError } from '@tidewire/server';
import { ApiError } from '../errors.ts';
import { MemoryCounts } from './memory-counts.ts';

/** How many starts the limits allow; 0 turns a limit off. */
export interface LimitShape {
  /** New streams per key per minute. */
  perMinute: number;
  /** Generations one key may run at once. */
  concurrent: number;
}

/** Which limit refused a start. */
export type Refusal = { refused: 'streams' } | { refused: 'rate'; msBeforeNext: number };

/**
 * A start's outcome: the release of its slot (call it once the stream ends), which limit
 * refused it, or (`exists`) the stream it names exists, and it counted against nothing.
 */
export type Admission = { release: () => void } | Refusal | { refused: 'exists' };

/**
 * A start counted by the stream store as it creates the stream (`StoreAdmission`): one round
 * trip for both. `admitted()`, once the stream is created, gives the slot's release; a start the
 * store refused for a limit rejects with that limit's error.
 */
export interface CountedAsCreated {
  admission: StoreAdmission;
  admitted(): () => void;
}

/** Where starts are counted. `take` throws `StoreUnavailableError` when it cannot count. */
export interface LimitCounts {
  /** Whether `take` answers `exists` for a `streamId` that exists (else it ignores it). */
  readonly seesStreams: boolean;
  /** Counts a start for `key`, of the stream `streamId` when it names one. */
  take(key: string, streamId?: string): Promise<Admission>;
  /**
   * Optional: the start counted as the stream store creates its stream instead (the counts
   * live in the store's Redis); undefined when there is nothing to count. `refusal` makes a
   * refused start's error.
   */
  asCreated?(key: string, refusal: (refused: Refusal) => Error): CountedAsCreated | undefined;
  /** Stops any background work (at shutdown). */
  close(): void;
}

export class StreamLimits {
  readonly #shape: LimitShape;
  readonly #counts: LimitCounts;

  /** `counts`: where starts are counted (default: in this instance's memory). */
  constructor(shape: LimitShape, counts: LimitCounts = new MemoryCounts(shape)) {
    this.#shape = shape;
    this.#counts = counts;
  }

  /** Whether `admit` finds out that the stream a start names exists (see `LimitCounts`). */
  get seesStreams(): boolean {
    return this.#counts.seesStreams;
  }

  /**
   * Admits a new stream for `key` (named `streamId`, when the start names it) or throws 429,
   * or `stream_exists` (409) when it exists and `seesStreams`. Returns the function that frees
   * its concurrency slot (call it when the stream ends).
   */
  async admit(key: string, streamId?: string): Promise<() => void> {
    const admission = await this.#counts.take(key, streamId);
    if ('release' in admission) return admission.release;
    if (admission.refused === 'exists')
      throw new TidewireError('stream_exists', `stream ${streamId} exists`, { status: 409 });
    throw this.#refusal(admission);
  }

  /**
   * A start for `key` counted by the stream store as it creates the stream (pass `admission`
   * to `engine.start`), where the counts allow it; else undefined, and `admit` counts it.
   */
  asCreated(key: string): CountedAsCreated | undefined {
    return this.#counts.asCreated?.(key, this.#refusal);
  }

  /** The 429 a refused start answers. */
  readonly #refusal = (admission: Refusal): ApiError => {
    if (admission.refused === 'streams') {
      return new ApiError(
        429,
        'too_many_streams',
        `at most ${this.#shape.concurrent} answers can run at once; wait for one to finish`,
        { 'Retry-After': '5' },
      );
    }
    const seconds = Math.max(1, Math.ceil(admission.msBeforeNext / 1000));
    return new ApiError(429, 'rate_limited', `too many new streams; try again in ${seconds} s`, {
      'Retry-After': String(seconds),
    });
  };

  close(): void {
    this.#counts.close();
  }
}
