/**
 * A file database's write-ahead log is checkpointed by a worker thread, never inside a commit
 * on the event loop: the server's connection has SQLite's automatic checkpoint off, and the
 * worker copies the log into the database file on its own. A worker that fails is reported,
 * and commits checkpoint again as SQLite does by default.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openNodeSqlite } from '../src/db/node-sqlite.ts';
import { WalCheckpointer } from '../src/db/wal-checkpointer.ts';

function withDir(body: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-checkpoint-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Waits (at most 10 s) until `done()` holds. */
async function eventually(done: () => boolean, what: string) {
  for (let i = 0; i < 1000 && !done(); i++) await sleep(10);
  assert.ok(done(), what);
}

test(
  'commits leave the log to the worker, which copies it into the database file',
  withDir(async (dir) => {
    const path = join(dir, 'db.sqlite');
    const db = openNodeSqlite(path, { checkpointEveryMs: 10 });
    try {
      assert.deepEqual(
        { ...(db.prepare('PRAGMA wal_autocheckpoint').all([])[0] as object) },
        { wal_autocheckpoint: 0 },
      );
      db.prepare('CREATE TABLE t (s TEXT)').run([]);
      const insert = db.prepare('INSERT INTO t (s) VALUES (?)');
      for (let i = 0; i < 100; i++) insert.run(['x'.repeat(1000)]);
      // 100 KB of rows: only a checkpoint puts them in the database file (the commits wrote the log).
      await eventually(() => statSync(path).size > 100_000, 'the worker checkpointed the log');
    } finally {
      db.close();
    }
  }),
);

test(
  'a worker that cannot checkpoint is reported',
  withDir(async (dir) => {
    // A folder is no database: the worker's connection fails.
    const failed = await new Promise<Error>((resolve) => {
      new WalCheckpointer(dir, { everyMs: 10, onFailure: resolve });
    });
    assert.match(failed.message, /database/);
  }),
);

test(
  "when the worker fails, commits checkpoint again (SQLite's default) and a warning says why",
  withDir(async (dir) => {
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    const db = openNodeSqlite(join(dir, 'db.sqlite'), {
      checkpointEveryMs: 10,
      checkpointPath: join(dir, 'no-such-folder', 'db.sqlite'),
    });
    try {
      const warning = await warned;
      assert.equal((warning as Error & { code?: string }).code, 'SQLITE_CHECKPOINTER_FAILED');
      const pragma = db.prepare('PRAGMA wal_autocheckpoint').all([])[0] as object;
      assert.deepEqual({ ...pragma }, { wal_autocheckpoint: 1000 });
    } finally {
      db.close();
    }
  }),
);

test(
  'once closed, nothing of the database changes any more: no log file comes and goes after, the folder can be removed',
  withDir(async (dir) => {
    const path = join(dir, 'db.sqlite');
    const db = openNodeSqlite(path, { checkpointEveryMs: 10 });
    db.prepare('CREATE TABLE t (s TEXT)').run([]);
    const insert = db.prepare('INSERT INTO t (s) VALUES (?)');
    for (let i = 0; i < 100; i++) insert.run(['x'.repeat(1000)]);
    // The worker's connection is open once it has checkpointed.
    await eventually(() => statSync(path).size > 100_000, 'the worker checkpointed the log');
    db.close();
    // Watched for 300 ms: a worker closing its connection late would remove the log files then.
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      for (const name of readdirSync(dir)) seen.add(name);
      await sleep(1);
    }
    assert.deepEqual([...seen], ['db.sqlite']);
  }),
);

test("an in-memory database has no log to checkpoint and keeps SQLite's default", () => {
  const db = openNodeSqlite(':memory:');
  assert.deepEqual(
    { ...(db.prepare('PRAGMA wal_autocheckpoint').all([])[0] as object) },
    { wal_autocheckpoint: 1000 },
  );
  db.close();
});
