/**
 * What the conversation store owes its callers, as one suite run against each database
 * (SQLite and a real PostgreSQL).
 * @module
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConversationStore, decodeCursor } from '../src/conversations/store.ts';
import type { Database } from '../src/db/database.ts';

export function conversationStoreContract(open: () => Promise<Database>): void {
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
