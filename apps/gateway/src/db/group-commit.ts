/**
 * Group commit: the writes that arrive in one turn of the event loop share one transaction.
 * On SQLite the cost of a write is mostly its commit (a WAL append per transaction); with many
 * answers starting and ending at once, one commit for all of them is several times cheaper
 * than one each. When a write of the batch fails, the batch is rolled back and each of its
 * writes runs again in a transaction of its own, so only the failing write's caller sees an
 * error (writes must therefore be safe to run again after a rollback: plain statements with
 * values fixed before the write). Every caller's promise settles after the commit that holds
 * its write, so "resolved" still means "stored". On PostgreSQL (a pool of
 * connections, transactions in parallel) each write is its own transaction, as before.
 * @module
 */
import { type Kysely, SqliteAdapter, type Transaction } from 'kysely';

interface Job<S> {
  write: (tx: Transaction<S>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<S> {
  readonly #db: Kysely<S>;
  readonly #grouped: boolean;
  #queue: Job<S>[] = [];
  #scheduled = false;
  /** The batch being committed: the next one starts after it, so batches commit in order. */
  #committing: Promise<void> = Promise.resolve();

  constructor(db: Kysely<S>) {
    this.#db = db;
    this.#grouped = db.getExecutor().adapter instanceof SqliteAdapter;
  }

  /** Runs `write` in a transaction; resolves with its result once that transaction committed. */
  run<T>(write: (tx: Transaction<S>) => Promise<T>): Promise<T> {
    if (!this.#grouped) return this.#db.transaction().execute(write);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(this.#flush);
    });
  }

  readonly #flush = () => {
    this.#scheduled = false;
    const batch = this.#queue;
    this.#queue = [];
    this.#committing = this.#committing.then(() => this.#commit(batch));
  };

  async #commit(batch: Job<S>[]): Promise<void> {
    const values: unknown[] = [];
    try {
      await this.#db.transaction().execute(async (tx) => {
        for (const job of batch) values.push(await job.write(tx));
      });
    } catch (error) {
      if (batch.length === 1) batch[0]!.reject(error);
      else await this.#oneByOne(batch);
      return;
    }
    for (const [i, job] of batch.entries()) job.resolve(values[i]);
  }

  /** The batch failed as a whole: each write alone, so the others are stored and settle as they do. */
  async #oneByOne(batch: Job<S>[]): Promise<void> {
    for (const job of batch) {
      try {
        job.resolve(await this.#db.transaction().execute(job.write));
      } catch (error) {
        job.reject(error);
      }
    }
  }
}
