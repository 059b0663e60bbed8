/**
 * Group commit: the writes that arrive in one turn of the event loop share one transaction.
 * On SQLite the cost of a write is mostly its commit (a WAL append per transaction); with many
 * answers starting and ending at once, one commit for all of them is several times cheaper
 * than one each. Each write runs inside its own savepoint, so one that fails is rolled back
 * alone and only its caller sees the error; every caller's promise settles after the commit
 * that holds its write, so "resolved" still means "stored". On PostgreSQL (a pool of
 * connections, transactions in parallel) each write is its own transaction, as before.
 * @module
 */
import { type Kysely, SqliteAdapter, sql, type Transaction } from 'kysely';

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
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      await this.#db.transaction().execute(async (tx) => {
        for (const job of batch) outcomes.push(await inSavepoint(tx, job.write));
      });
    } catch (error) {
      // The commit itself failed: nothing of the batch is stored.
      for (const job of batch) job.reject(error);
      return;
    }
    batch.forEach((job, i) => {
      const { ok, value } = outcomes[i]!;
      if (ok) job.resolve(value);
      else job.reject(value);
    });
  }
}

async function inSavepoint<S>(
  tx: Transaction<S>,
  write: (tx: Transaction<S>) => Promise<unknown>,
): Promise<{ ok: boolean; value: unknown }> {
  await sql`savepoint group_write`.execute(tx);
  try {
    const value = await write(tx);
    await sql`release savepoint group_write`.execute(tx);
    return { ok: true, value };
  } catch (error) {
    await sql`rollback to savepoint group_write`.execute(tx);
    await sql`release savepoint group_write`.execute(tx);
    return { ok: false, value: error };
  }
}
