/**
 * What the conversation store owes its callers, as one suite run against each database
 * (SQLite and a real PostgreSQL): order and completeness, branches (a tree of messages),
 * search, rename, delete, models, handing an anonymous history to a user, and the migration
 * that made messages a tree.
 * @module
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { ConversationStore, decodeCursor } from '../src/conversations/store.ts';
import { type Database, migrateDatabase } from '../src/db/database.ts';

/** `open` gives a database with every migration applied; `connect` one with none. */
export function conversationStoreContract(
  open: () => Promise<Database>,
  connect: () => Promise<Database>,
): void {
  conversationTreeContract(open, connect);

  test('a conversation keeps its messages in order, and their completeness', async () => {
    const db = await open();
    const store = new ConversationStore(db, { flushMs: 5 });
    const id = await store.create('alice', 'What is a tide?\nMore detail');
    await store.add(id, [{ role: 'user', content: 'What is a tide?' }]);
    const recorder = await store.recordAnswer(id, 'stream-1');
    recorder.text('A tide is ');
    recorder.text('the rise of the sea. مرحبا 🌊');
    await recorder.end(true);
    await store.add(id, [{ role: 'user', content: 'And a wave?' }]);
    const cut = await store.recordAnswer(id, 'stream-2');
    cut.text('A wave is');
    await cut.end(false);
    const got = await store.get('alice', id);
    assert.equal(got?.title, 'What is a tide?');
    assert.deepEqual(
      got?.messages.map((m) => [m.role, m.content, m.complete]),
      [
        ['user', 'What is a tide?', true],
        ['assistant', 'A tide is the rise of the sea. مرحبا 🌊', true],
        ['user', 'And a wave?', true],
        ['assistant', 'A wave is', false],
      ],
    );
    assert.deepEqual(await store.history(id), [
      { role: 'user', content: 'What is a tide?' },
      { role: 'assistant', content: 'A tide is the rise of the sea. مرحبا 🌊' },
      { role: 'user', content: 'And a wave?' },
      { role: 'assistant', content: 'A wave is' },
    ]);
    await db.destroy();
  });

  test('an answer is written while it streams, not only at the end', async () => {
    const db = await open();
    const store = new ConversationStore(db, { flushMs: 10 });
    const id = await store.create(null, 'q');
    const recorder = await store.recordAnswer(id, 's');
    recorder.text('partial text');
    await new Promise((r) => setTimeout(r, 80));
    const got = await store.get(null, id);
    assert.deepEqual(
      got?.messages.map((m) => [m.content, m.complete]),
      [['partial text', false]],
    );
    await recorder.end(true);
    await db.destroy();
  });

  test('a new conversation starts with its question in one call; its answer follows at the known place', async () => {
    const db = await open();
    const store = new ConversationStore(db, { flushMs: 5 });
    const { conversationId, ids, next } = await store.start('dana', 'What is a tide?', 'demo', [
      { role: 'user', content: 'What is a tide?' },
    ]);
    assert.equal(next, 1);
    const recorder = await store.recordAnswer(conversationId, 'stream-start', {
      parentId: ids[0]!,
      position: next,
    });
    recorder.text('The rise of the sea.');
    await recorder.end(true);
    const got = await store.get('dana', conversationId);
    assert.equal(got?.title, 'What is a tide?');
    assert.equal(got?.model, 'demo');
    assert.deepEqual(
      got?.messages.map((m) => [m.role, m.content, m.parent_id, m.complete]),
      [
        ['user', 'What is a tide?', null, true],
        ['assistant', 'The rise of the sea.', ids[0], true],
      ],
    );
    await db.destroy();
  });

  test("a turn's question and answer row are one write; its answer may stream before the write commits", async () => {
    const db = await open();
    const store = new ConversationStore(db, { flushMs: 5 });
    const conversationId = 'turn-conversation';
    const first = store.beginTurn({
      conversationId,
      streamId: 'turn-1',
      messages: [{ role: 'user', content: 'What is a tide?' }],
      create: { userId: 'erin', question: 'What is a tide?', model: 'demo' },
    });
    first.recorder.text('The rise of the sea.');
    await first.recorder.end(true);
    await first.stored;
    const leaf = (await store.get('erin', conversationId))!.messages.at(-1)!;
    const second = store.beginTurn({
      conversationId,
      streamId: 'turn-2',
      messages: [{ role: 'user', content: 'And a wave?' }],
      model: 'other',
      parentId: leaf.id,
    });
    second.recorder.text('A ripple.');
    await second.recorder.end(true);
    const got = await store.get('erin', conversationId);
    assert.equal(got?.model, 'other');
    const messages = got!.messages;
    assert.deepEqual(
      messages.map((m) => [m.role, m.content, m.complete, m.stream_id]),
      [
        ['user', 'What is a tide?', true, null],
        ['assistant', 'The rise of the sea.', true, 'turn-1'],
        ['user', 'And a wave?', true, null],
        ['assistant', 'A ripple.', true, 'turn-2'],
      ],
    );
    assert.deepEqual(
      messages.map((m) => m.parent_id),
      [null, messages[0]!.id, messages[1]!.id, messages[2]!.id],
    );
    await db.destroy();
  });

  test('a read right after a turn began finds its rows: reads wait for the writes asked for before them', async () => {
    const db = await open();
    const store = new ConversationStore(db, { flushMs: 5 });
    const conversationId = 'read-after-turn';
    const asked = Promise.resolve();
    const turn = store.beginTurn(
      {
        conversationId,
        streamId: 'turn-read',
        messages: [{ role: 'user', content: 'Is it there?' }],
        create: { userId: 'fay', question: 'Is it there?', model: 'demo' },
      },
      asked,
    );
    await asked; // the rows' write is asked for now; `stored` is not awaited (a stream's response does not wait)
    const [listed, got] = await Promise.all([store.list('fay', 10), store.get('fay', conversationId)]);
    assert.deepEqual(
      listed.data.map((c) => c.id),
      [conversationId],
    );
    assert.deepEqual(
      got?.messages.map((m) => [m.role, m.content, m.complete]),
      [
        ['user', 'Is it there?', true],
        ['assistant', '', false],
      ],
    );
    await turn.stored;
    await db.destroy();
  });

  test("a turn whose rows cannot be stored: `stored` rejects, and so does its answer's end", async () => {
    const db = await open();
    const store = new ConversationStore(db, { flushMs: 5 });
    // No such conversation: its messages break the foreign key.
    const turn = store.beginTurn({
      conversationId: 'no-such-conversation',
      streamId: 'turn-lost',
      messages: [{ role: 'user', content: 'Hello?' }],
      parentId: null,
    });
    turn.recorder.text('An answer with nowhere to go.');
    await assert.rejects(turn.stored);
    await assert.rejects(turn.recorder.end(true), {
      name: 'Error',
      message: 'the question could not be stored',
    });
    assert.deepEqual(await store.unfinishedStreams('no-such-conversation'), []);
    await db.destroy();
  });

  test('answers streaming at once are written together on the flush tick, each complete at its end', async () => {
    const db = await open();
    const store = new ConversationStore(db, { flushMs: 10 });
    const a = await store.create(null, 'a');
    const b = await store.create(null, 'b');
    const first = await store.recordAnswer(a, 'stream-a');
    const second = await store.recordAnswer(b, 'stream-b');
    first.text('first so far');
    second.text('second so far');
    await new Promise((r) => setTimeout(r, 80));
    const stored = async (id: string) =>
      (await store.get(null, id))?.messages.map((m) => [m.content, m.complete]);
    assert.deepEqual(await stored(a), [['first so far', false]]);
    assert.deepEqual(await stored(b), [['second so far', false]]);
    first.text(', done');
    await Promise.all([first.end(true), second.end(false)]);
    assert.deepEqual(await stored(a), [['first so far, done', true]]);
    assert.deepEqual(await stored(b), [['second so far', false]]);
    await db.destroy();
  });

  test('messages added at once to one conversation (two tabs) all land, in distinct places', async () => {
    const db = await open();
    const store = new ConversationStore(db);
    const id = await store.create('tab', 'q');
    const texts = Array.from({ length: 8 }, (_, i) => `message ${i}`);
    await Promise.all(texts.map((content) => store.add(id, [{ role: 'user', content }])));
    const got = await store.get('tab', id);
    assert.deepEqual(got?.messages.map((m) => m.content).sort(), [...texts].sort());
    await db.destroy();
  });

  test('a failed write of an answer is reported, not thrown', async () => {
    const db = await open();
    const errors: unknown[] = [];
    const store = new ConversationStore(db, { onWriteError: (error) => errors.push(error) });
    const id = await store.create(null, 'q');
    const recorder = await store.recordAnswer(id, 's');
    recorder.text('never stored');
    await db.destroy();
    await recorder.end(true);
    assert.equal(errors.length, 1);
  });

  test('conversations list newest first, page by page, only the owner’s', async () => {
    const db = await open();
    const store = new ConversationStore(db);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push(await store.create('bob', `question ${i}`));
      await new Promise((r) => setTimeout(r, 2));
    }
    await store.create('carol', 'not bob’s');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof store.list>> = await store.list(
        'bob',
        3,
        cursor ? decodeCursor(cursor) : undefined,
      );
      seen.push(...page.data.map((c) => c.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, [...ids].reverse());
    assert.equal(await store.get('carol', ids[0]!), undefined, 'another user sees nothing');
    assert.equal(await store.find('carol', ids[0]!), undefined);
    await db.destroy();
  });

  test('an answer keeps its reasoning, tool calls and results with its text, and they go back to the model', async () => {
    const db = await open();
    const store = new ConversationStore(db, { flushMs: 5 });
    const id = await store.create('ada', 'what is 12*7');
    await store.add(id, [{ role: 'user', content: 'what is 12*7' }]);
    const recorder = await store.recordAnswer(id, 'stream-rich');
    recorder.part({ type: 'reasoning', text: 'I will ' });
    recorder.part({ type: 'reasoning', text: 'calculate.' });
    recorder.part({ type: 'tool-input-delta', id: 'c1', name: 'calculate', text: '{"expression":"12*7"}' });
    recorder.part({ type: 'tool-call', id: 'c1', name: 'calculate', input: { expression: '12*7' } });
    recorder.part({
      type: 'tool-result',
      id: 'c1',
      name: 'calculate',
      output: { value: 84 },
      isError: false,
    });
    recorder.part({ type: 'text', text: '12*7 = 84. مرحبا' });
    await recorder.end(true);
    const got = await store.get('ada', id);
    const answer = got?.messages.at(-1);
    assert.equal(answer?.content, '12*7 = 84. مرحبا');
    assert.deepEqual(answer?.parts, [
      { type: 'reasoning', text: 'I will calculate.' },
      { type: 'tool_call', id: 'c1', name: 'calculate', input: { expression: '12*7' } },
      { type: 'tool_result', id: 'c1', name: 'calculate', output: { value: 84 }, is_error: false },
      { type: 'text', text: '12*7 = 84. مرحبا' },
    ]);
    assert.equal(got?.messages[0]?.parts, undefined, 'a text-only message has no parts');
    assert.deepEqual(await store.history(id), [
      { role: 'user', content: 'what is 12*7' },
      {
        role: 'assistant',
        content: '',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'calculate', arguments: '{"expression":"12*7"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: '{"value":84}' },
      { role: 'assistant', content: '12*7 = 84. مرحبا' },
    ]);
    await db.destroy();
  });

  test("a client's tool result is added to the answer that called the tool", async () => {
    const db = await open();
    const store = new ConversationStore(db, { flushMs: 5 });
    const id = await store.create(null, 'tides?');
    await store.add(id, [{ role: 'user', content: 'tides?' }]);
    const recorder = await store.recordAnswer(id, 'stream-client-tool');
    recorder.part({ type: 'tool-call', id: 'c2', name: 'tide_times', input: { city: 'Brest' } });
    await recorder.end(true);
    await store.add(id, [{ role: 'tool', tool_call_id: 'c2', content: '{"high":"06:12"}' }]);
    const got = await store.get(null, id);
    assert.equal(got?.messages.length, 2, 'a tool result is not a message of its own');
    assert.deepEqual(got?.messages.at(-1)?.parts, [
      { type: 'tool_call', id: 'c2', name: 'tide_times', input: { city: 'Brest' } },
      { type: 'tool_result', id: 'c2', name: 'tide_times', output: '{"high":"06:12"}', is_error: false },
    ]);
    await db.destroy();
  });
}

/** Asks `question` in `conversationId` after `parentId` and stores the answer; returns both ids. */
async function turn(
  store: ConversationStore,
  conversationId: string,
  question: string | undefined,
  answer: string,
  parentId: string | null,
): Promise<{ question: string; answer: string }> {
  const [questionId] = question
    ? await store.add(conversationId, [{ role: 'user', content: question }], { parentId })
    : [parentId!];
  const recorder = await store.recordAnswer(conversationId, `stream-${answer}`, { parentId: questionId! });
  recorder.text(answer);
  await recorder.end(true);
  return { question: questionId!, answer: (await store.branch(conversationId)).leafId! };
}

function conversationTreeContract(open: () => Promise<Database>, connect: () => Promise<Database>): void {
  test('messages form a tree: a regenerate and an edit are branches, each read alone', async () => {
    const db = await open();
    const store = new ConversationStore(db);
    const id = await store.create('u', 'Q1', 'demo');
    const first = await turn(store, id, 'Q1', 'A1', null);
    const second = await turn(store, id, 'Q2', 'A2', first.answer);
    const regenerated = await turn(store, id, undefined, 'A2 again', second.question);
    const edited = await turn(store, id, 'Q1 edited', 'A1 edited', null);
    const got = await store.get('u', id);
    assert.equal(got?.model, 'demo');
    assert.deepEqual(
      got?.messages.map((m) => [m.content, m.parent_id]),
      [
        ['Q1', null],
        ['A1', first.question],
        ['Q2', first.answer],
        ['A2', second.question],
        ['A2 again', second.question],
        ['Q1 edited', null],
        ['A1 edited', edited.question],
      ],
    );
    assert.equal(got?.messages[3]?.stream_id, 'stream-A2');
    assert.equal(got?.messages[2]?.stream_id, null);
    const contents = (b: { messages: { content: string }[] }) => b.messages.map((m) => m.content);
    assert.deepEqual(contents(await store.branch(id, regenerated.answer)), ['Q1', 'A1', 'Q2', 'A2 again']);
    assert.deepEqual(contents(await store.branch(id, second.answer)), ['Q1', 'A1', 'Q2', 'A2']);
    const newest = await store.branch(id);
    assert.equal(newest.leafId, edited.answer, 'by default the newest message');
    assert.deepEqual(contents(newest), ['Q1 edited', 'A1 edited']);
    assert.deepEqual(await store.history(id), newest.messages);
    // Added with no place named, a message follows the newest one.
    const [followUp] = await store.add(id, [{ role: 'user', content: 'Q3' }]);
    assert.equal(
      (await store.get('u', id))?.messages.find((m) => m.id === followUp)?.parent_id,
      edited.answer,
    );
    await store.setModel(id, 'other');
    assert.equal((await store.find('u', id))?.model, 'other');
    await db.destroy();
  });

  test('a message is found only by the owner of its conversation', async () => {
    const db = await open();
    const store = new ConversationStore(db);
    const id = await store.create('owner', 'q');
    const [messageId] = await store.add(id, [{ role: 'user', content: 'q' }]);
    assert.deepEqual(await store.findMessage('owner', messageId!), {
      id: messageId,
      role: 'user',
      conversationId: id,
    });
    assert.equal(await store.findMessage('stranger', messageId!), undefined);
    assert.equal(await store.findMessage(null, messageId!), undefined);
    assert.equal(await store.findMessage('owner', 'no-such-message'), undefined);
    await db.destroy();
  });

  test('search finds each word in a title or a message, in any case, only the owner’s', async () => {
    const db = await open();
    const store = new ConversationStore(db);
    const tides = await store.create('s', 'About TIDES');
    await store.add(tides, [{ role: 'user', content: 'About tides' }]);
    await turn(
      store,
      tides,
      undefined,
      'The Moon pulls the ÄRGER ocean. 50% wet_ness',
      (await store.branch(tides)).leafId,
    );
    const bread = await store.create('s', 'Baking bread');
    await store.create('other', 'tides of someone else');
    const found = async (q: string) =>
      (await store.list('s', 20, undefined, q.split(' '))).data.map((c) => c.id);
    assert.deepEqual(await found('tides'), [tides], 'by title, case-insensitively');
    assert.deepEqual(await found('moon'), [tides], 'by a word of an answer');
    assert.deepEqual(await found('ärger'), [tides], 'non-ASCII letters fold too');
    assert.deepEqual(await found('bread'), [bread]);
    assert.deepEqual(await found('moon bread'), [], 'every word must appear');
    assert.deepEqual(await found('50%'), [tides], '% is a literal');
    assert.deepEqual(await found('w_t'), [], '_ is a literal, not a wildcard (no "wet")');
    assert.deepEqual(await found('wet_ness'), [tides]);
    assert.deepEqual((await store.list('s', 20, undefined, [])).data.length, 2, 'no words: all');
    await db.destroy();
  });

  test('rename, delete with every message, and the unfinished answers of a conversation', async () => {
    const db = await open();
    const store = new ConversationStore(db);
    const id = await store.create('r', 'old title');
    const [q] = await store.add(id, [{ role: 'user', content: 'q' }]);
    const done = await store.recordAnswer(id, 'finished-stream', { parentId: q! });
    await done.end(true);
    await store.recordAnswer(id, 'running-stream', { parentId: q! });
    assert.deepEqual(await store.unfinishedStreams(id), ['running-stream']);
    assert.equal(await store.rename('someone-else', id, 'stolen'), undefined);
    const renamed = await store.rename('r', id, 'New title');
    assert.equal(renamed?.title, 'New title');
    assert.equal((await store.get('r', id))?.title, 'New title');
    assert.equal(await store.remove('someone-else', id), false);
    assert.ok(await store.get('r', id), 'still there');
    assert.equal(await store.remove('r', id), true);
    assert.equal(await store.get('r', id), undefined);
    const left = await db.selectFrom('messages').select('id').where('conversation_id', '=', id).execute();
    assert.deepEqual(left, [], 'its messages are gone too');
    await db.destroy();
  });

  test('an anonymous visitor’s conversations move to the user they sign in as', async () => {
    const db = await open();
    const store = new ConversationStore(db);
    const mine = await store.create('anon:visitor', 'mine');
    await store.create('anon:someone-else', 'theirs');
    assert.equal(await store.transfer('anon:visitor', 'alice'), 1);
    assert.ok(await store.get('alice', mine));
    assert.equal(await store.get('anon:visitor', mine), undefined);
    assert.deepEqual(
      (await store.list('alice', 10)).data.map((c) => c.title),
      ['mine'],
    );
    await db.destroy();
  });

  test('the migration to a tree chains the messages stored before it in order', async () => {
    const db = await connect();
    await migrateDatabase(db, '0002_users_sessions');
    await sql`insert into conversations (id, user_id, title, created_at, updated_at)
      values ('c1', null, 'old', 1, 1), ('c2', null, 'other', 1, 1)`.execute(db);
    await sql`insert into messages (id, conversation_id, position, role, content, complete, created_at, stream_id)
      values ('m2', 'c1', 1, 'assistant', 'a', 1, 1, 's1'), ('m1', 'c1', 0, 'user', 'q', 1, 1, null),
             ('m3', 'c1', 2, 'user', 'q2', 1, 1, null), ('n1', 'c2', 0, 'user', 'x', 1, 1, null)`.execute(db);
    await migrateDatabase(db);
    const store = new ConversationStore(db);
    assert.deepEqual(
      (await store.get(null, 'c1'))?.messages.map((m) => [m.id, m.parent_id]),
      [
        ['m1', null],
        ['m2', 'm1'],
        ['m3', 'm2'],
      ],
    );
    assert.equal((await store.get(null, 'c2'))?.messages[0]?.parent_id, null);
    assert.equal((await store.get(null, 'c1'))?.model, null);
    await db.destroy();
  });
}
