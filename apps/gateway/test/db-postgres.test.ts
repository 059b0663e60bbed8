/**
 * Opening a real PostgreSQL database: instances starting together migrate it once between
 * them, a restart applies nothing again, epoch-ms `bigint` columns read back as numbers, and
 * an unreachable server fails the start with a message. Fails (never skips) when PostgreSQL
 * is missing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { freePort } from '../../../testing/ports.ts';
import { startPostgres, type TestPostgres } from '../../../testing/postgres.ts';
import { ConversationStore } from '../src/conversations/store.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrations } from '../src/db/migrations.ts';

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres.close());

test('instances starting together migrate once; a restart applies nothing again', async () => {
  const url = await postgres.createDatabase('tw_db_migrate');
  const [a, b] = await Promise.all([openDatabase(url), openDatabase(url)]);
  await Promise.all([a.destroy(), b.destroy()]);
  const again = await openDatabase(url);
  try {
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      again,
    );
    assert.deepEqual(
      applied.rows.map((r) => r.name),
      Object.keys(migrations).sort(),
    );
  } finally {
    await again.destroy();
  }
});

test('epoch-ms bigint timestamps read back as numbers', async () => {
  const db = await openDatabase(await postgres.createDatabase('tw_db_types'));
  try {
    const before = Date.now();
    const id = await new ConversationStore(db).create('ann', 'when?');
    const row = await db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(typeof row.created_at, 'number');
    assert.ok(row.created_at >= before && row.created_at <= Date.now());
  } finally {
    await db.destroy();
  }
});

test('an unreachable server fails the start with a message', async () => {
  const port = await freePort();
  await assert.rejects(
    openDatabase(`postgres://postgres:secret-pw@127.0.0.1:${port}/none`),
    (error: Error) => {
      assert.match(error.message, /database migration .*failed/);
      assert.ok(!error.message.includes('secret-pw'));
      return true;
    },
  );
});
