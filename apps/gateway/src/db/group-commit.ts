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
 * Writes are compiled statements (`precompiled.ts`). Given SQLite's connection itself, a batch
 * runs them on it directly, holding Kysely's connection so nothing else runs in between: each
 * statement one synchronous call, not a pass through Kysely's executor, connection provider
 * and driver (about half of the database's share of the gateway's CPU at a realistic pace).
 * @module
 */
import {
  type CompiledQuery,
  type Kysely,
  type QueryResult,
  SqliteAdapter,
  type SqliteDatabase,
} from 'kysely';

/** What a write runs its statements on: a Kysely transaction, or SQLite's connection directly. */
export interface StatementRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

interface Job {
  write: (tx: StatementRunner) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Writes a batch holds at most (default `MAX_BATCH`). */
  maxBatch?: number;
  /** SQLite's connection under `db` (`sqliteOf`): batches run their statements on it directly. */
  sqlite?: SqliteDatabase;
}

/** Writes a batch holds at most (see the header). */
export const MAX_BATCH = 64;

export class GroupCommit<S> {
  readonly #db: Kysely<S>;
  readonly #grouped: boolean;
  readonly #maxBatch: number;
  readonly #sqlite: SqliteDatabase | undefined;
  readonly #direct: StatementRunner | undefined;
  #queue: Job[] = [];
  #scheduled = false;
  /** The batch being committed: the next one starts after it, so batches commit in order. */
  #committing: Promise<void> = Promise.resolve();
  /** Writes in flight when each is its own transaction (PostgreSQL). */
  readonly #unbatched = new Set<Promise<unknown>>();

  constructor(db: Kysely<S>, { maxBatch = MAX_BATCH, sqlite }: GroupCommitOptions = {}) {
    this.#db = db;
    this.#maxBatch = maxBatch;
    this.#grouped = db.getExecutor().adapter instanceof SqliteAdapter;
    this.#sqlite = this.#grouped ? sqlite : undefined;
    this.#direct = this.#sqlite && directRunner(this.#sqlite);
  }

  /** Runs `write` in a transaction; resolves with its result once that transaction committed. */
  run<T>(write: (tx: StatementRunner) => Promise<T>): Promise<T> {
    if (!this.#grouped) return this.#alone(write);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.#queue.length >= this.#maxBatch) return this.#flush();
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(this.#flush);
    });
  }

  /**
   * Settles once every write asked for before has committed or failed (it never rejects): a
   * read that waits for it sees them. Queued writes are committed now, not at the turn's end.
   */
  settled(): Promise<void> {
    if (!this.#grouped) return Promise.allSettled(this.#unbatched).then(() => {});
    this.#flush();
    return this.#committing;
  }

  #alone<T>(write: (tx: StatementRunner) => Promise<T>): Promise<T> {
    const running = this.#db.transaction().execute(write);
    const done = (): void => void this.#unbatched.delete(running);
    this.#unbatched.add(running);
    running.then(done, done);
    return running;
  }

  /** Commits the writes queued so far (after the batch before them); the turn's end comes here too. */
  readonly #flush = () => {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return; // a full batch went before the turn ended
    this.#queue = [];
    this.#committing = this.#committing.then(() => this.#commit(batch));
  };

  async #commit(batch: Job[]): Promise<void> {
    const values: unknown[] = [];
    try {
      await this.#transaction(async (tx) => {
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
  async #oneByOne(batch: Job[]): Promise<void> {
    for (const job of batch) {
      try {
        job.resolve(await this.#transaction(job.write));
      } catch (error) {
        job.reject(error);
      }
    }
  }

  /** One transaction: Kysely's, or on SQLite's connection directly while Kysely's is held. */
  #transaction<T>(body: (tx: StatementRunner) => Promise<T>): Promise<T> {
    const sqlite = this.#sqlite;
    const direct = this.#direct;
    if (!sqlite || !direct) return this.#db.transaction().execute(body);
    return this.#db.connection().execute(async () => {
      sqlite.prepare('BEGIN').run([]);
      try {
        const value = await body(direct);
        sqlite.prepare('COMMIT').run([]);
        return value;
      } catch (error) {
        rollBack(sqlite);
        throw error;
      }
    });
  }
}

/** Rolls back the open transaction; a COMMIT that failed may have ended it already (nothing to undo). */
function rollBack(sqlite: SqliteDatabase): void {
  try {
    sqlite.prepare('ROLLBACK').run([]);
  } catch (error) {
    if (!/no transaction is active/.test(String((error as Error).message))) throw error;
  }
}

/** Runs compiled statements on SQLite's connection: one synchronous call each. */
function directRunner(sqlite: SqliteDatabase): StatementRunner {
  return {
    executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
      try {
        const statement = sqlite.prepare(query.sql);
        if (statement.reader) return Promise.resolve({ rows: statement.all(query.parameters) as R[] });
        const { changes } = statement.run(query.parameters);
        return Promise.resolve({ rows: [], numAffectedRows: BigInt(changes) });
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}
