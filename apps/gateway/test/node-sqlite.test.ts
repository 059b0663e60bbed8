import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openNodeSqlite } from '../src/db/node-sqlite.ts';

test('a query is prepared once and reused; past the cache size the oldest is dropped, queries still run', () => {
  const db = openNodeSqlite(':memory:');
  db.prepare('CREATE TABLE t (n INTEGER)').run([]);
  const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
  assert.equal(db.prepare('INSERT INTO t (n) VALUES (?)'), insert, 'the same statement');
  for (let i = 0; i < 300; i++) db.prepare(`SELECT ${i} AS n`).all([]);
  assert.notEqual(db.prepare('INSERT INTO t (n) VALUES (?)'), insert, 'prepared again after eviction');
  db.prepare('INSERT INTO t (n) VALUES (?)').run([7]);
  assert.deepEqual(
    db
      .prepare('SELECT n FROM t')
      .all([])
      .map((row) => ({ ...(row as object) })),
    [{ n: 7 }],
  );
  db.close();
});
