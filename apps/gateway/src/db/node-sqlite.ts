/**
 * Adapts Node's built-in `node:sqlite` to the small database interface Kysely's SqliteDialect
 * expects (the better-sqlite3 shape), so SQLite needs no native dependency. SQLite's own
 * `lower()` folds ASCII only; it is replaced by JavaScript's, so a case-insensitive search
 * finds "Ärger" as PostgreSQL does. Prepared statements are cached by their SQL (Kysely
 * prepares every query it runs; preparing again cost 7% of the gateway's CPU per answer).
 * A file database's WAL is checkpointed by a worker thread (wal-checkpointer.ts), not in a commit.
 * @module
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { WalCheckpointer } from './wal-checkpointer.ts';

/** Distinct SQL texts kept prepared; the oldest is dropped past this (queries with IN lists vary). */
const STATEMENT_CACHE_SIZE = 256;

/** SQLite's own automatic checkpoint, in pages (its default): back on when the worker fails. */
const AUTO_CHECKPOINT_PAGES = 1000;

export interface NodeSqliteOptions {
  /** How often the WAL is checkpointed off the event loop (file databases). */
  checkpointEveryMs?: number;
  /** The file the worker opens (default: `path`; a test names one it cannot open). */
  checkpointPath?: string;
}

export function openNodeSqlite(path: string, options: NodeSqliteOptions = {}): SqliteDatabase {
  const db = new DatabaseSync(path);
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;',
  );
  const checkpointer = path === ':memory:' ? undefined : checkpointOffTheLoop(db, path, options);
  db.function('lower', { deterministic: true }, (value) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => {
      checkpointer?.stop();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached) return cached;
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      const prepared = wrap(db.prepare(sql));
      statements.set(sql, prepared);
      return prepared;
    },
  };
}

/** Turns the automatic checkpoint off and starts the worker that checkpoints instead. */
function checkpointOffTheLoop(db: DatabaseSync, path: string, options: NodeSqliteOptions) {
  db.exec('PRAGMA wal_autocheckpoint = 0');
  return new WalCheckpointer(options.checkpointPath ?? path, {
    everyMs: options.checkpointEveryMs,
    onFailure(error) {
      if (db.isOpen) db.exec(`PRAGMA wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
      process.emitWarning(
        `the SQLite checkpoint worker failed (${error.message}); checkpoints run in commits again`,
        {
          type: 'TidewireWarning',
          code: 'SQLITE_CHECKPOINTER_FAILED',
        },
      );
    },
  });
}

const args = (parameters: ReadonlyArray<unknown>) => parameters as SQLInputValue[];

function wrap(statement: ReturnType<DatabaseSync['prepare']>): SqliteStatement {
  return {
    reader: statement.columns().length > 0,
    all: (parameters) => statement.all(...args(parameters)),
    run: (parameters) => statement.run(...args(parameters)),
    iterate: (parameters) => statement.iterate(...args(parameters)),
  };
}
