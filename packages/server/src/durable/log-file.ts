/**
 * `LogFile`: the SQLite file under the durable store (Node's built-in `node:sqlite`, no native
 * dependency). It only knows rows: streams, their frames, their end and expiry. Frames go in
 * insertion order into a rowid table (appends touch the last page only; measured about four
 * times faster than a table keyed by stream and sequence), found again through an index.
 *
 * WAL mode with `synchronous = NORMAL`: a commit is written to the WAL (the OS page cache)
 * without fsync, so a crashed or killed process loses nothing that was committed; a power loss
 * or kernel crash can lose the last commits since the previous checkpoint (the file stays
 * consistent, it just ends earlier), i.e. frames a client may already have seen.
 * `synchronous: 'FULL'` closes that window with one fsync per commit.
 *
 * The file is opened with an exclusive lock held until it closes: one process per file, so two
 * servers on one data directory cannot both continue the same generations.
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

/** 2 added `artifacts` (a version-1 file gains the table when opened). */
const SCHEMA_VERSION = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS streams (
  sid INTEGER PRIMARY KEY,
  stream_id TEXT NOT NULL UNIQUE,
  info TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  ended INTEGER NOT NULL DEFAULT 0,
  expires_at INTEGER
);
CREATE INDEX IF NOT EXISTS streams_expiry ON streams (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS frames (
  sid INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  frame TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS frames_seq ON frames (sid, seq);
CREATE TABLE IF NOT EXISTS artifacts (
  sid INTEGER NOT NULL,
  n INTEGER NOT NULL,
  type TEXT NOT NULL,
  bytes BLOB NOT NULL,
  PRIMARY KEY (sid, n)
);
`;

/** One stream's row, with the sequence number of its last frame on disk. */
export interface StreamRow {
  sid: number;
  streamId: string;
  info: string;
  ended: boolean;
  expiresAt: number | null;
  lastSeq: number;
}

export interface FrameRow {
  sid: number;
  seq: number;
  frame: string;
}

export interface LogFileOptions {
  path: string;
  synchronous?: 'NORMAL' | 'FULL';
  /** How long to wait for another process to release the file at open. */
  lockWaitMs?: number;
  /** Bound on the file's size: past it writes fail (as on a full disk) instead of filling the disk. */
  maxBytes?: number;
}

export class LogFileLockedError extends Error {
  readonly type = 'stream_log_locked';
  constructor(path: string, options?: { cause?: unknown }) {
    super(`the stream log ${path} is in use by another process (one server per data directory)`, options);
    this.name = 'LogFileLockedError';
  }
}

export class LogFile {
  readonly #db: DatabaseSync;
  readonly #sql: ReturnType<typeof prepare>;

  constructor(options: LogFileOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.#db = new DatabaseSync(options.path);
    try {
      this.#db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.lockWaitMs ?? 5000))};
        PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL;
        PRAGMA synchronous = ${options.synchronous ?? 'NORMAL'};`);
      this.#db.exec('BEGIN IMMEDIATE; COMMIT;'); // takes the exclusive lock now
    } catch (error) {
      this.#db.close();
      if ((error as { errcode?: number }).errcode === 5)
        throw new LogFileLockedError(options.path, { cause: error });
      throw error;
    }
    this.#migrate(options.path);
    if (options.maxBytes !== undefined) this.#bound(options.maxBytes);
    this.#sql = prepare(this.#db);
  }

  #migrate(path: string): void {
    const { user_version: version } = this.#db.prepare('PRAGMA user_version').get() as {
      user_version: number;
    };
    if (version > SCHEMA_VERSION) {
      this.#db.close();
      throw new Error(
        `the stream log ${path} has schema ${version}, newer than this server's ${SCHEMA_VERSION}`,
      );
    }
    this.#db.exec(`BEGIN; ${SCHEMA} PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT;`);
  }

  #bound(maxBytes: number): void {
    const { page_size: pageSize } = this.#db.prepare('PRAGMA page_size').get() as { page_size: number };
    this.#db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(maxBytes / pageSize))}`);
  }

  /** Inserts a stream row and returns its key; throws when the id is taken. */
  insertStream(streamId: string, info: string, createdAt: number): number {
    const result = this.#sql.insertStream.run(streamId, info, createdAt);
    return Number(result.lastInsertRowid);
  }

  find(streamId: string): StreamRow | undefined {
    const row = this.#sql.findStream.get(streamId) as
      | { sid: number; info: string; ended: number; expires_at: number | null; last_seq: number | null }
      | undefined;
    if (!row) return undefined;
    return {
      sid: row.sid,
      streamId,
      info: row.info,
      ended: row.ended === 1,
      expiresAt: row.expires_at,
      lastSeq: row.last_seq ?? 0,
    };
  }

  /** Frames after `afterSeq`, in order, at most `limit`. */
  frames(sid: number, afterSeq: number, limit: number): string[] {
    return (this.#sql.frames.all(sid, afterSeq, limit) as { frame: string }[]).map((r) => r.frame);
  }

  /** Writes frames and ends in one transaction: all of them are on disk, or none. */
  write(frames: FrameRow[], ends: { sid: number; expiresAt: number }[]): void {
    this.#db.exec('BEGIN');
    try {
      for (const f of frames) this.#sql.insertFrame.run(f.sid, f.seq, f.frame);
      for (const e of ends) this.#sql.endStream.run(e.expiresAt, e.sid);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Inserts artifact `n` of a stream (its own transaction); throws when `n` is taken. */
  insertArtifact(sid: number, n: number, type: string, bytes: Uint8Array): void {
    this.#sql.insertArtifact.run(sid, n, type, bytes);
  }

  artifact(sid: number, n: number): { type: string; bytes: Uint8Array } | undefined {
    const row = this.#sql.artifact.get(sid, n) as { type: string; bytes: Uint8Array } | undefined;
    return row && { type: row.type, bytes: row.bytes };
  }

  /** Ids of the streams not ended. */
  running(): string[] {
    return (this.#sql.running.all() as { stream_id: string }[]).map((r) => r.stream_id);
  }

  /** Deletes the given streams and their frames. */
  delete(sids: number[]): void {
    if (sids.length === 0) return;
    this.#db.exec('BEGIN');
    try {
      for (const sid of sids) {
        this.#sql.deleteFrames.run(sid);
        this.#sql.deleteArtifacts.run(sid);
        this.#sql.deleteStream.run(sid);
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Keys of ended streams whose expiry is past, and of unended ones created before `staleBefore`. */
  expired(now: number, staleBefore: number): { sid: number; streamId: string }[] {
    return (this.#sql.expired.all(now, staleBefore) as { sid: number; stream_id: string }[]).map((r) => ({
      sid: r.sid,
      streamId: r.stream_id,
    }));
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

function prepare(db: DatabaseSync) {
  const statement = (sql: string): StatementSync => db.prepare(sql);
  return {
    insertStream: statement('INSERT INTO streams (stream_id, info, created_at) VALUES (?, ?, ?)'),
    findStream: statement(
      `SELECT sid, info, ended, expires_at, (SELECT max(seq) FROM frames f WHERE f.sid = s.sid) AS last_seq
       FROM streams s WHERE stream_id = ?`,
    ),
    frames: statement('SELECT frame FROM frames WHERE sid = ? AND seq > ? ORDER BY seq LIMIT ?'),
    insertFrame: statement('INSERT INTO frames (sid, seq, frame) VALUES (?, ?, ?)'),
    endStream: statement('UPDATE streams SET ended = 1, expires_at = ? WHERE sid = ?'),
    running: statement('SELECT stream_id FROM streams WHERE ended = 0 ORDER BY sid'),
    deleteFrames: statement('DELETE FROM frames WHERE sid = ?'),
    insertArtifact: statement('INSERT INTO artifacts (sid, n, type, bytes) VALUES (?, ?, ?, ?)'),
    artifact: statement('SELECT type, bytes FROM artifacts WHERE sid = ? AND n = ?'),
    deleteArtifacts: statement('DELETE FROM artifacts WHERE sid = ?'),
    deleteStream: statement('DELETE FROM streams WHERE sid = ?'),
    expired: statement(
      'SELECT sid, stream_id FROM streams WHERE expires_at <= ? OR (ended = 0 AND created_at < ?)',
    ),
  };
}
