/**
 * `KeyedCounter`: how many of something each key holds (open connections per IP, running
 * generations per user), with a release function that counts down exactly once.
 * @module
 */

export class KeyedCounter {
  readonly #counts = new Map<string, number>();

  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** Counts one more for `key`; the returned function gives it back (once). */
  take(key: string): () => void {
    this.#counts.set(key, this.count(key) + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = this.count(key) - 1;
      if (left <= 0) this.#counts.delete(key);
      else this.#counts.set(key, left);
    };
  }
}
