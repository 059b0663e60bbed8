/**
 * A chat turn's rows and its model call: the model is asked, and the response begins, before
 * the question and the answer's row are committed; a client that then reads its conversations
 * still finds them (the store's reads wait for its pending writes), and `done` goes out only once
 * the whole answer is stored. A question that cannot be stored fails its stream: it ends with
 * `error` (`internal_error`) and never with a complete answer, and a start sent again with its
 * id reads the same.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { startTestGateway } from '../../../testing/gateway.ts';
import { answerOf, collectSSE, doneReason, errorType } from '../../../testing/sse-client.ts';
import { demoAnswer } from '../src/models/demo-answer.ts';
import type { Gateway } from '../src/server.ts';

let gateway: Gateway;
before(async () => {
  // DEMO_TOKENS_PER_SEC=0: the demo answers at once, before the rows' commit.
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '0' });
});
after(() => gateway.shutdown());

const conversations = async () => {
  const response = await fetch(`${gateway.url}/api/v1/conversations?limit=100`);
  return ((await response.json()) as { data: { id: string; title: string }[] }).data;
};

const messagesOf = async (id: string) => {
  const response = await fetch(`${gateway.url}/api/v1/conversations/${id}`);
  return ((await response.json()) as { messages: { role: string; content: string; complete: boolean }[] })
    .messages;
};

test('a client that reads its conversations once the response began finds the question and the answer row', async () => {
  const q = `Where do tides come from? ${crypto.randomUUID()}`;
  const response = await fetch(`${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`);
  assert.equal(response.status, 200);
  // Read nothing of the stream yet: the rows may still be committing; the read waits for them.
  const stored = (await conversations()).find((c) => c.title === q);
  assert.ok(stored, 'the conversation is found as soon as the response began');
  const early = await messagesOf(stored.id);
  assert.deepEqual(
    early.map((m) => m.role),
    ['user', 'assistant'],
  );
  assert.equal(early[0]!.content, q);
  await response.text();
  // The whole answer is stored once `done` has gone out.
  const messages = await messagesOf(stored.id);
  assert.deepEqual(
    messages.map((m) => [m.role, m.content, m.complete]),
    [
      ['user', q, true],
      ['assistant', demoAnswer(q), true],
    ],
  );
});

test('a question that cannot be stored fails its stream with internal_error; the same start sent again reads the same', async (t) => {
  const db = gateway.services.db;
  await sql`CREATE TRIGGER refuse_questions BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'disk full'); END`.execute(
    db,
  );
  t.after(() => sql`DROP TRIGGER refuse_questions`.execute(db));
  const q = `Can this be stored? ${crypto.randomUUID()}`;
  const streamId = `refused-${crypto.randomUUID()}`;
  const start = () =>
    collectSSE(`${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}&stream_id=${streamId}`);
  for (const attempt of [await start(), await start()]) {
    assert.equal(attempt.status, 200);
    assert.equal(errorType(attempt.events), 'internal_error');
    assert.equal(doneReason(attempt.events), 'error');
    assert.notEqual(answerOf(attempt.events), demoAnswer(q), 'never the whole answer');
  }
  assert.equal((await conversations()).filter((c) => c.title === q).length, 0, 'nothing half-stored');
});
