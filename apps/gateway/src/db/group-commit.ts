/**
 * Group commit: the writes that arrive in one turn of the event loop share one transaction,
 * up to `MAX_BATCH` of them (the write that fills a batch commits it at once, in its turn).
 * On SQLite the cost of a write is mostly its commit (a WAL append per transaction); with many
 * answers starting and ending at once, one commit for all of them is several times cheaper
 * than one each. The bound is for memory: every writer waits, with all its request holds,
 * until its batch commits. Unbounded, a burst of arrivals kept thousands of half-started
 * requests waiting across the turn, long enough for V8 to promote their garbage to the old
 * generation, where it stayed until the next full collection (about 12 KiB per stream opened
 * in a burst of 5,000). When a write of the batch fails, the batch is rolled back and each of its
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

/** Writes a batch holds at most (see the header). */
export const MAX_BATCH = 64;

export class GroupCommit<S> {
  readonly #db: Kysely<S>;
  readonly #grouped: boolean;
  readonly #maxBatch: number;
  #queue: Job<S>[] = [];
  #scheduled = false;
  /** The batch being committed: the next one starts after it, so batches commit in order. */
  #committing: Promise<void> = Promise.resolve();

  constructor(db: Kysely<S>, maxBatch = MAX_BATCH) {
    this.#db = db;
    this.#maxBatch = maxBatch;
    this.#grouped = db.getExecutor().adapter instanceof SqliteAdapter;
  }

  /** Runs `write` in a transaction; resolves with its result once that transaction committed. */
  run<T>(write: (tx: Transaction<S>) => Promise<T>): Promise<T> {
    if (!this.#grouped) return this.#db.transaction().execute(write);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.#queue.length >= this.#maxBatch) return this.#flush();
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(this.#flush);
    });
  }

  /** Commits the writes queued so far (after the batch before them); the turn's end comes here too. */
  readonly #flush = () => {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return; // a full batch went before the turn ended
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
