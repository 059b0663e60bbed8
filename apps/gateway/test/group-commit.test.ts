/**
 * Group commit on SQLite: the writes of one event-loop turn share one transaction, up to the
 * batch bound (the write that fills a batch commits it in its own turn), a write that
 * fails is rolled back alone (its caller gets its error, the others are stored), a write's
 * promise resolves only once its transaction committed (another connection sees it), and
 * `settled()` waits for every write asked for before it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import { GroupCommit, type StatementRunner } from '../src/db/group-commit.ts';
import { openNodeSqlite } from '../src/db/node-sqlite.ts';

interface Schema {
  t: { n: number };
}

/** A file database with table `t (n UNIQUE)`, counting the transactions it begins. */
function openCounted(path: string) {
  const raw = openNodeSqlite(path);
  const counts = { begin: 0 };
  const counted: SqliteDatabase = {
    close: () => raw.close(),
    prepare(sql) {
      if (/^begin/i.test(sql.trim())) counts.begin++;
      return raw.prepare(sql);
    },
  };
  raw.prepare('CREATE TABLE t (n INTEGER UNIQUE)').run([]);
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: counted }) });
  return { db, counts, sqlite: counted };
}

function withDir(body: (dir: string) => Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-group-commit-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** Compiles queries only (a statement is compiled without a connection). */
const sql = new Kysely<Schema>({ dialect: new SqliteDialect({ database: {} as SqliteDatabase }) });

/** A write inserting `n`, as the store's writes are: a compiled statement. */
const insert = (n: number) => (tx: StatementRunner) =>
  tx.executeQuery(sql.insertInto('t').values({ n }).compile());

// Each rule holds for both ways a batch runs: through Kysely, and on SQLite's connection directly.
for (const [way, direct] of [
  ['through Kysely', false],
  ['on the SQLite connection directly', true],
] as const) {
  test(
    `${way}: the writes of one turn share one transaction; each resolves after the commit, visible to another connection`,
    withDir(async (dir) => {
      const path = join(dir, 'db.sqlite');
      const { db, counts, sqlite } = openCounted(path);
      const other = new DatabaseSync(path);
      try {
        const begunBefore = counts.begin;
        await Promise.all(
          [1, 2, 3, 4, 5].map((n) => new GroupCommit(db, direct ? { sqlite } : {}).run(insert(n))),
        );
        // Five GroupCommits: five transactions. One GroupCommit: one for the turn's writes.
        const separate = counts.begin - begunBefore;
        const writes = new GroupCommit(db, direct ? { sqlite } : {});
        const begun = counts.begin;
        const seen = await Promise.all(
          [6, 7, 8, 9, 10].map(async (n) => {
            await writes.run(insert(n));
            return (other.prepare('SELECT count(*) AS c FROM t WHERE n = ?').get(n) as { c: number }).c;
          }),
        );
        assert.equal(separate, 5);
        assert.equal(counts.begin - begun, 1, 'one transaction for five writes of one turn');
        assert.deepEqual(seen, [1, 1, 1, 1, 1], 'each write is committed when its promise resolves');
      } finally {
        other.close();
        await db.destroy();
      }
    }),
  );

  test(
    `${way}: a failing write is rolled back alone: its caller gets the error, the writes around it are stored`,
    withDir(async (dir) => {
      const { db, sqlite } = openCounted(join(dir, 'db.sqlite'));
      try {
        const writes = new GroupCommit(db, direct ? { sqlite } : {});
        const results = await Promise.allSettled([
          writes.run(insert(1)),
          writes.run(async (tx) => {
            await insert(2)(tx);
            await insert(1)(tx); // violates UNIQUE: this write, its row 2 included, is undone
          }),
          writes.run(insert(3)),
        ]);
        assert.deepEqual(
          results.map((r) => r.status),
          ['fulfilled', 'rejected', 'fulfilled'],
        );
        assert.match(String((results[1] as PromiseRejectedResult).reason), /UNIQUE/);
        const rows = await db.selectFrom('t').select('n').orderBy('n').execute();
        assert.deepEqual(
          rows.map((r) => r.n),
          [1, 3],
        );
      } finally {
        await db.destroy();
      }
    }),
  );

  test(
    `${way}: settled() waits for the writes asked for before, committing queued ones at once, and never rejects`,
    withDir(async (dir) => {
      const path = join(dir, 'db.sqlite');
      const { db, sqlite } = openCounted(path);
      const other = new DatabaseSync(path);
      try {
        const writes = new GroupCommit(db, direct ? { sqlite } : {});
        const failing = writes.run(async (tx) => {
          await insert(1)(tx);
          await insert(1)(tx); // violates UNIQUE: rolled back
        });
        const stored = writes.run(insert(2));
        const order: string[] = [];
        setImmediate(() => order.push('turn ended'));
        await writes.settled();
        order.push('settled');
        const rows = other.prepare('SELECT n FROM t ORDER BY n').all() as { n: number }[];
        assert.deepEqual(
          rows.map((r) => r.n),
          [2],
          'the write asked for before is committed; the failed one is not',
        );
        assert.deepEqual(order, ['settled'], 'queued writes commit at once, not at the end of the turn');
        await assert.rejects(failing, /UNIQUE/);
        await stored;
        await writes.settled(); // nothing pending: settles at once
      } finally {
        other.close();
        await db.destroy();
      }
    }),
  );

  test(
    `${way}: a batch holds at most its bound: the write that fills it commits it at once, before the turn ends`,
    withDir(async (dir) => {
      const path = join(dir, 'db.sqlite');
      const { db, counts, sqlite } = openCounted(path);
      const other = new DatabaseSync(path);
      const count = () => (other.prepare('SELECT count(*) AS c FROM t').get() as { c: number }).c;
      try {
        const writes = new GroupCommit(db, { maxBatch: 4, ...(direct ? { sqlite } : {}) });
        const begun = counts.begin;
        const all = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => writes.run(insert(n)));
        // Without waiting for the turn to end: the two full batches commit.
        const full = await Promise.all(all.slice(0, 8));
        assert.equal(full.length, 8);
        assert.equal(count(), 8, 'two full batches are stored before the turn ended');
        await Promise.all(all);
        assert.equal(count(), 10, 'the rest is stored when the turn ends');
        assert.equal(counts.begin - begun, 3, 'ten writes with a bound of four: three transactions');
      } finally {
        other.close();
        await db.destroy();
      }
    }),
  );
}

test(
  'on the SQLite connection directly, a batch waits for a Kysely transaction in progress, never runs inside it',
  withDir(async (dir) => {
    const path = join(dir, 'db.sqlite');
    const { db, sqlite } = openCounted(path);
    const other = new DatabaseSync(path);
    const stored = (n: number) =>
      (other.prepare('SELECT count(*) AS c FROM t WHERE n = ?').get(n) as { c: number }).c;
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const transaction = db.transaction().execute(async (tx) => {
        await tx.insertInto('t').values({ n: 100 }).execute();
        await gate;
      });
      await new Promise((resolve) => setTimeout(resolve, 20)); // the transaction holds the connection
      const write = new GroupCommit(db, { sqlite }).run(insert(5));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(stored(5), 0, 'not written inside the open transaction');
      release();
      await Promise.all([transaction, write]);
      assert.equal(stored(100), 1);
      assert.equal(stored(5), 1);
    } finally {
      other.close();
      await db.destroy();
    }
  }),
);
