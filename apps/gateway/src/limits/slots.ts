/**
 * `Slots`: a bounded number of things each key may hold at once (running generations per
 * user). `MemorySlots` counts on this instance; `RedisSlots` (redis-slots.ts) across all.
 * @module
 */
import { KeyedCounter } from './keyed-counter.ts';

export interface Slots {
  /** Takes one of `max` slots for `key`: its release (call once it is done), or undefined when all are taken. */
  take(key: string, max: number): Promise<(() => void) | undefined>;
  /** Stops any background work (at shutdown). */
  close(): void;
}

export class MemorySlots implements Slots {
  readonly #held = new KeyedCounter();

  async take(key: string, max: number): Promise<(() => void) | undefined> {
    return this.#held.count(key) >= max ? undefined : this.#held.take(key);
  }

  close(): void {}
}
