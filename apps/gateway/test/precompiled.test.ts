/**
 * Precompiled statements: compiled once, each call runs with its own values in the places the
 * markers held, whatever order the SQL puts them in; a query with a value that is not a marker
 * is refused when it is compiled, not silently sent with that value each time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kysely, SqliteDialect } from 'kysely';
import { openNodeSqlite } from '../src/db/node-sqlite.ts';
import { precompile } from '../src/db/precompiled.ts';

interface Schema {
  t: { id: string; a: number; b: string | null };
}

function open() {
  const raw = openNodeSqlite(':memory:');
  raw.prepare('CREATE TABLE t (id TEXT PRIMARY KEY, a INTEGER, b TEXT)').run([]);
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: raw }) });
}

test('each call runs the statement compiled once with its own values', async () => {
  const db = open();
  const insert = precompile(3, (id: string, a: number, b: string | null) =>
    db.insertInto('t').values({ id, a, b }),
  );
  // `where` comes last in the SQL but first among the values: the order is the markers'.
  const update = precompile(2, (id: string, a: number) =>
    db.updateTable('t').set({ a }).where('id', '=', id),
  );
  await db.executeQuery(insert('x', 1, 'one'));
  await db.executeQuery(insert('y', 2, null));
  await db.executeQuery(update('x', 10));
  assert.equal(insert('z', 3, 'three').sql, insert('w', 4, 'four').sql);
  assert.deepEqual(insert('z', 3, 'three').parameters, ['z', 3, 'three']);
  const rows = await db.selectFrom('t').selectAll().orderBy('id').execute();
  assert.deepEqual(
    rows.map((r) => ({ ...r })),
    [
      { id: 'x', a: 10, b: 'one' },
      { id: 'y', a: 2, b: null },
    ],
  );
  await db.destroy();
});

test('a value fixed in the query is refused when it is compiled', async () => {
  const db = open();
  assert.throws(
    () => precompile(1, (id: string) => db.updateTable('t').set({ a: 5 }).where('id', '=', id)),
    /value not given by a marker/,
  );
  await db.destroy();
});
