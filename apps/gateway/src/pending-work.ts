/**
 * `PendingWork`: the generations this process runs, so a shutdown can wait for each to store
 * its answer before the database closes (bounded: a stuck one does not hold the exit). It
 * counts them rather than holding each: every open stream has one, and a closure and a set
 * entry per stream only to be told when it settles.
 * @module
 */

export class PendingWork {
  #running = 0;
  /** Resolves the waiters of `settle` once nothing runs. */
  #idle: (() => void)[] = [];

  /** Follows `work` until it settles (one reaction per work, with the one shared handler). */
  track(work: Promise<unknown>): void {
    const settled = this.begin();
    void work.then(settled, settled);
  }

  /**
   * Counts one work more, which calls the returned function once it settles: the one shared
   * handler, so a running work holds nothing of its own here.
   */
  begin(): () => void {
    this.#running++;
    return this.#settled;
  }

  get size(): number {
    return this.#running;
  }

  /** Resolves when every tracked work has settled, or after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<void> {
    if (this.#running === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#idle.push(resolve);
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
  }

  readonly #settled = (): void => {
    if (--this.#running > 0) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const resolve of waiters) resolve();
  };
}
