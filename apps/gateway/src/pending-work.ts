/**
 * `PendingWork`: the generations this process runs, so a shutdown can wait for each to store
 * its answer before the database closes (bounded: a stuck one does not hold the exit).
 * @module
 */

export class PendingWork {
  readonly #running = new Set<Promise<unknown>>();

  /** Follows `work` until it settles. */
  track(work: Promise<unknown>): void {
    const settled = work.then(
      () => {},
      () => {},
    );
    this.#running.add(settled);
    void settled.then(() => this.#running.delete(settled));
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
    await Promise.race([Promise.all([...this.#running]), timeout]);
    clearTimeout(timer);
  }
}
