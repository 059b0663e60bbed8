/**
 * Opens the database named by `DATABASE_URL` — `sqlite:PATH` (the embedded default, its
 * folder created on first start; `sqlite::memory:` for tests) or `postgres://…` — and brings
 * its schema up to date. One query code path for both, through Kysely.
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Dialect, Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import { ConfigError } from '../config.ts';
import { migrations } from './migrations.ts';
import { openNodeSqlite } from './node-sqlite.ts';
import type { Schema } from './schema.ts';

export type Database = Kysely<Schema>;

/** The SQLite connection under each SQLite database (for the group commit's direct writes). */
const sqliteConnections = new WeakMap<Database, SqliteDatabase>();

/** The SQLite connection under `db`; undefined for PostgreSQL. */
export function sqliteOf(db: Database): SqliteDatabase | undefined {
  return sqliteConnections.get(db);
}

async function dialectFor(url: string): Promise<{ dialect: Dialect; sqlite?: SqliteDatabase }> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '')
      throw new ConfigError('DATABASE_URL=sqlite: needs a file path (sqlite:./data/tidewire.db) or :memory:');
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = openNodeSqlite(path);
    return { dialect: new SqliteDialect({ database: sqlite }), sqlite };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { default: pg } = await import('pg');
    pg.types.setTypeParser(20, Number);
    const { PostgresDialect } = await import('kysely');
    // Bounded waits: an unreachable server fails a query (the answer stays incomplete) rather
    // than holding a stream's `done` forever.
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      connectionTimeoutMillis: 10_000,
      query_timeout: 30_000,
    });
    // An idle connection the server drops (a restart, an admin) must not crash the process:
    // the pool replaces it on the next query, and queries in flight fail on their own.
    pool.on('error', () => {});
    return { dialect: new PostgresDialect({ pool }) };
  }
  throw new ConfigError(`DATABASE_URL must start with sqlite: or postgres://, got "${url.split(':')[0]}:…"`);
}

/** Connects to the database without touching its schema (see `migrateDatabase`). */
export async function connectDatabase(url: string): Promise<Database> {
  const { dialect, sqlite } = await dialectFor(url);
  const db = new Kysely<Schema>({ dialect });
  if (sqlite) sqliteConnections.set(db, sqlite);
  return db;
}

/** Applies the migrations not applied yet, all of them or up to and including `upTo`. */
export async function migrateDatabase(db: Database, upTo?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = upTo ? await migrator.migrateTo(upTo) : await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${(error as Error).message}`);
  }
}

export async function openDatabase(url: string): Promise<Database> {
  const db = await connectDatabase(url);
  try {
    await migrateDatabase(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
