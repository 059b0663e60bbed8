/**
 * Checkpoints a SQLite database's write-ahead log on a worker thread, on a timer. SQLite's
 * automatic checkpoint runs inside whichever commit crosses 1,000 WAL pages, on the event
 * loop: copying the pages and syncing the file stalled that request for 5–15 ms (the p99 of a
 * stream's first delta). With this running, the server's own connection turns the automatic
 * checkpoint off; should the worker fail, it is turned back on and the failure reported.
 * PASSIVE checkpoints never wait for readers or writers, so the server's writes go on meanwhile.
 * @module
 */
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints (the WAL grows by at most this much of writes in between). */
export const CHECKPOINT_EVERY_MS = 250;

/**
 * The worker: its own connection, a PASSIVE checkpoint per tick. SQLITE_BUSY (another
 * checkpoint running, e.g. a CLI command's) is tried again on the next tick; any other error
 * ends the worker, which the server sees. Stops on any message.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.path);
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch (error) {
    if (error.errcode !== 5) throw error;
  }
}, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointerOptions {
  everyMs?: number;
  /** The worker stopped on an error (the caller turns automatic checkpoints back on). */
  onFailure: (error: Error) => void;
}

export class WalCheckpointer {
  readonly #worker: Worker;
  #stopped = false;

  constructor(path: string, { everyMs = CHECKPOINT_EVERY_MS, onFailure }: WalCheckpointerOptions) {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, everyMs } });
    this.#worker.unref();
    this.#worker.once('error', (error) => {
      this.#stopped = true;
      onFailure(error);
    });
  }

  /** Stops the worker (it closes its connection first). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#worker.postMessage('stop');
  }
}
