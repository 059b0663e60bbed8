/**
 * The answer flusher writes the answers streaming at once a slice at a time, each slice in a
 * later turn of the event loop (a thousand answers are not one long synchronous run that
 * holds every stream's tokens), and still writes every answer that changed, with its text as
 * it stands; an answer that ends while its tick is being written keeps its final, complete row.
 * The tick is run by the test (the flusher's injected timer), not waited for.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startPostgres, type TestPostgres } from '../../../testing/postgres.ts';
import { SLICE } from '../src/conversations/answer-flusher.ts';
import { ConversationStore } from '../src/conversations/store.ts';
import { type Database, openDatabase, sqliteOf } from '../src/db/database.ts';
import type { AnswerRecorder } from '../src/generation.ts';

let postgres: TestPostgres | undefined;
after(() => postgres?.close());

/** A store (in-memory SQLite unless given a database) whose flush ticks are run by hand. */
async function openStore(opened?: Database) {
  const db = opened ?? (await openDatabase('sqlite::memory:'));
  const ticks: (() => Promise<void>)[] = [];
  const store = new ConversationStore(db, { flushAfter: (_ms, tick) => ticks.push(tick) });
  const rows = () =>
    new Map(
      (
        sqliteOf(db)!
          .prepare("SELECT id, content, complete FROM messages WHERE role = 'assistant'")
          .all([]) as { id: string; content: string; complete: number }[]
      ).map((r) => [r.id, { content: r.content, complete: r.complete === 1 }]),
    );
  /** `count` answers streaming, each in a conversation of its own. */
  const answers = async (count: number) =>
    Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const conversation = await store.create(null, `question ${i}`);
        const recorder = await store.recordAnswer(conversation, `stream-${i}`);
        return { recorder, conversation };
      }),
    );
  /** Runs the first tick and, while it is written, ends `last`; its stored row's content and completeness. */
  const endDuringTick = async (last: { recorder: AnswerRecorder; conversation: string }) => {
    const written = ticks[0]!();
    last.recorder.text(', the end');
    await last.recorder.end(true);
    await written;
    const row = (await store.get(null, last.conversation))!.messages.at(-1)!;
    return [row.content, row.complete];
  };
  return { db, store, ticks, rows, answers, endDuringTick };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('a tick writes every answer that changed, one slice per turn of the event loop', async () => {
  const { db, ticks, rows, answers } = await openStore();
  const streaming = await answers(2 * SLICE + 5);
  for (const [i, { recorder }] of streaming.entries()) recorder.text(`answer ${i} so far`);
  assert.equal(ticks.length, 1, 'one timer for all the answers');
  const written = ticks[0]!();
  await nextTurn();
  const afterOneTurn = [...rows().values()].filter((r) => r.content !== '');
  assert.equal(afterOneTurn.length, SLICE, 'one slice in the first turn, the rest later');
  await written;
  const stored = [...rows().values()];
  assert.equal(stored.length, 2 * SLICE + 5);
  assert.deepEqual(stored.map((r) => r.content).sort(), streaming.map((_, i) => `answer ${i} so far`).sort());
  assert.ok(
    stored.every((r) => !r.complete),
    'still streaming',
  );
  await db.destroy();
});

test('an answer that ends while its tick is being written is stored complete, not overwritten by the tick', async () => {
  const { db, rows, answers, endDuringTick } = await openStore();
  const streaming = await answers(SLICE + 1);
  for (const { recorder } of streaming) recorder.text('so far');
  // The last answer is in the second slice: it ends before that slice runs.
  assert.deepEqual(await endDuringTick(streaming.at(-1)!), ['so far, the end', true]);
  assert.equal([...rows().values()].filter((r) => r.content === 'so far').length, SLICE);
  await db.destroy();
});

// On PostgreSQL writes run in parallel, one transaction each: the end must wait for the slice.
for (const where of ['SQLite', 'PostgreSQL'] as const) {
  test(`an answer that ends while its slice is in flight is stored complete (${where})`, async () => {
    postgres ??= where === 'PostgreSQL' ? await startPostgres() : undefined;
    const db =
      where === 'PostgreSQL'
        ? await openDatabase(await postgres!.createDatabase('tw_flusher_slice'))
        : undefined;
    const { answers, endDuringTick, db: opened } = await openStore(db);
    const streaming = await answers(SLICE);
    for (const { recorder } of streaming) recorder.text('so far');
    // The last answer of the first slice: its write holds 'so far', the end's holds all of it.
    assert.deepEqual(await endDuringTick(streaming.at(-1)!), ['so far, the end', true]);
    await opened.destroy();
  });
}

test('text that comes after its answer’s slice was taken is written on the next tick', async () => {
  const { db, ticks, rows, answers } = await openStore();
  const { recorder } = (await answers(1))[0]!;
  recorder.text('one');
  const first = ticks[0]!();
  await first;
  recorder.text(', two');
  assert.equal(ticks.length, 2, 'the change arms the timer again');
  assert.deepEqual(
    [...rows().values()].map((r) => r.content),
    ['one'],
  );
  await ticks[1]!();
  assert.deepEqual(
    [...rows().values()].map((r) => r.content),
    ['one, two'],
  );
  await db.destroy();
});
