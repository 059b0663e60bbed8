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
 * ends the worker, which the server sees. Stops on any message, and says so in `closed` once
 * its connection is closed.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const closed = new Int32Array(workerData.closed);
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
  Atomics.store(closed, 0, 1);
  Atomics.notify(closed, 0);
  parentPort.close();
});
`;

/** The longest `stop()` waits for the worker to close its connection. */
const STOP_WAIT_MS = 2000;

export interface WalCheckpointerOptions {
  everyMs?: number;
  /** The worker stopped on an error (the caller turns automatic checkpoints back on). */
  onFailure: (error: Error) => void;
}

export class WalCheckpointer {
  readonly #worker: Worker;
  /** Set to 1 by the worker once its connection is closed. */
  readonly #closed = new Int32Array(new SharedArrayBuffer(4));
  #stopped = false;

  constructor(path: string, { everyMs = CHECKPOINT_EVERY_MS, onFailure }: WalCheckpointerOptions) {
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, everyMs, closed: this.#closed.buffer },
    });
    this.#worker.unref();
    this.#worker.once('error', (error) => {
      this.#stopped = true;
      onFailure(error);
    });
  }

  /**
   * Stops the worker, and waits (blocking, at most `STOP_WAIT_MS`) until it has closed its
   * connection: the server's connection, closed next, is then the last, and SQLite removes the
   * log files as it closes. Otherwise the worker's close would remove them later, while the
   * caller may already be deleting the database's folder (a test's, a CLI run's).
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#worker.postMessage('stop');
    Atomics.wait(this.#closed, 0, 0, STOP_WAIT_MS);
  }
}
