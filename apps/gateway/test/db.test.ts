/**
 * Opening the database named by `DATABASE_URL`: the embedded SQLite file (its folder created,
 * its data kept across restarts, each migration applied once) and clear errors for URLs it
 * cannot open, which never echo credentials.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sql } from 'kysely';
import { ConfigError } from '../src/config.ts';
import { ConversationStore } from '../src/conversations/store.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrations } from '../src/db/migrations.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-db-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a SQLite file: folder created, data kept across a restart, each migration applied once', async () => {
  const file = join(dir, 'nested', 'folder', 'tidewire.db');
  const first = await openDatabase(`sqlite:${file}`);
  assert.ok(existsSync(file));
  const store = new ConversationStore(first);
  const id = await store.create(null, 'Will this survive a restart?');
  await first.destroy();

  const second = await openDatabase(`sqlite:${file}`);
  try {
    const got = await new ConversationStore(second).get(null, id);
    assert.equal(got?.title, 'Will this survive a restart?');
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      second,
    );
    assert.deepEqual(
      applied.rows.map((r) => r.name),
      Object.keys(migrations).sort(),
    );
    const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(second);
    assert.equal(journal.rows[0]?.journal_mode, 'wal', 'WAL: readers do not wait for the writer');
  } finally {
    await second.destroy();
  }
});

test('timestamps are epoch milliseconds read back as numbers', async () => {
  const db = await openDatabase('sqlite::memory:');
  try {
    const before = Date.now();
    const id = await new ConversationStore(db).create(null, 'when?');
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

test('a URL it cannot open is refused clearly, without echoing credentials', async () => {
  await assert.rejects(openDatabase('mysql://admin:hunter2@db.example/app'), (error: Error) => {
    assert.ok(error instanceof ConfigError, 'reported as a configuration error (exit 2, no stack)');
    assert.match(error.message, /DATABASE_URL must start with sqlite: or postgres:\/\//);
    assert.ok(!error.message.includes('hunter2'), 'the password is not in the message');
    return true;
  });
  await assert.rejects(openDatabase('sqlite:'), ConfigError);
});
