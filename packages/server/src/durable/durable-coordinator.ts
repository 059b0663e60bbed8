/**
 * `DurableCoordinator`: the `Coordinator` of one process and its own next start, over the
 * durable store. There are no leases (the file admits one process at a time). At start, the
 * streams the previous process left running are this engine's orphans: each is handed to
 * `onOrphan` (the app's takeover), all at once. At close, a stream still running is handed off
 * by leaving it unended in the file, so the next start continues it — the same path as the
 * Redis hand-off between instances.
 * @module
 */
import type { Coordinator } from '../coordinator.ts';
import { newId } from '../ids.ts';
import type { DurableStreamStore } from './durable-store.ts';

export interface DurableCoordinatorOptions {
  /**
   * A takeover failed (`streamId` set; its stream stays unended in the file and the next start
   * tries again), or the file could not be searched for orphans.
   */
  onError?: (error: Error, streamId?: string) => void;
}

type Handlers = Parameters<Coordinator['listen']>[0];

export class DurableCoordinator implements Coordinator {
  readonly instanceId = newId();
  readonly #store: DurableStreamStore;
  readonly #options: DurableCoordinatorOptions;
  #closed = false;
  /** Settles once every orphan found at start has been handed to `onOrphan` and has finished. */
  recovered: Promise<void> = Promise.resolve();

  constructor(store: DurableStreamStore, options: DurableCoordinatorOptions = {}) {
    this.#store = store;
    this.#options = options;
  }

  async own(): Promise<void> {}
  async release(): Promise<void> {}
  /** Nothing to do: the stream stays unended in the file, and the next start continues it. */
  async handOff(): Promise<void> {}
  /** Every running stream runs in this process, so there is no other owner to ask. */
  async requestCancel(): Promise<void> {}

  /** Starts the recovery once the caller's synchronous set-up is over. */
  listen(handlers: Handlers): void {
    this.recovered = new Promise((resolve) => setImmediate(resolve))
      .then(() => this.#recover(handlers))
      .catch((error: Error) => this.#options.onError?.(error));
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async #recover(handlers: Handlers): Promise<void> {
    if (this.#closed) return;
    const orphans = await this.#store.orphans();
    await Promise.all(
      orphans.map((streamId) =>
        handlers.onOrphan(streamId).catch((error: Error) => this.#options.onError?.(error, streamId)),
      ),
    );
  }
}
