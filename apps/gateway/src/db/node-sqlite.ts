/**
 * Adapts Node's built-in `node:sqlite` to the small database interface Kysely's SqliteDialect
 * expects (the better-sqlite3 shape), so SQLite needs no native dependency. SQLite's own
 * `lower()` folds ASCII only; it is replaced by JavaScript's, so a case-insensitive search
 * finds "Ärger" as PostgreSQL does. Prepared statements are cached by their SQL (Kysely
 * prepares every query it runs; preparing again cost 7% of the gateway's CPU per answer).
 * @module
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept prepared; the oldest is dropped past this (queries with IN lists vary). */
const STATEMENT_CACHE_SIZE = 256;

export function openNodeSqlite(path: string): SqliteDatabase {
  const db = new DatabaseSync(path);
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;',
  );
  db.function('lower', { deterministic: true }, (value) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
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

const args = (parameters: ReadonlyArray<unknown>) => parameters as SQLInputValue[];

function wrap(statement: ReturnType<DatabaseSync['prepare']>): SqliteStatement {
  return {
    reader: statement.columns().length > 0,
    all: (parameters) => statement.all(...args(parameters)),
    run: (parameters) => statement.run(...args(parameters)),
    iterate: (parameters) => statement.iterate(...args(parameters)),
  };
}
