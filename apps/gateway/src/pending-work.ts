/**
 * `PendingWork`: the generations this process runs, so a shutdown can wait for each to store
 * its answer before the database closes (bounded: a stuck one does not hold the exit).
 * @module
 */

export class PendingWork {
  readonly #running = new Set<Promise<unknown>>();

  /** Follows `work` until it settles (one reaction per work: every open stream has one). */
  track(work: Promise<unknown>): void {
    const forget = () => {
      this.#running.delete(work);
    };
    this.#running.add(work);
    void work.then(forget, forget);
  }

  get size(): number {
    return this.#running.size;
  }

  /** Resolves when every tracked work has settled, or after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.allSettled([...this.#running]), timeout]);
    clearTimeout(timer);
  }
}
