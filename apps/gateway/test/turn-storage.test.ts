/**
 * A chat turn's rows and its model call: the model is asked before the question and the
 * answer's row are committed, yet a start still answers only once both are stored (even when
 * the model has already finished), and a question that cannot be stored still fails the start
 * with `500 internal_error`; the stream it began ends with `error` (`internal_error`), so a
 * start sent again with its id never reads an answer that was not stored.
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

test('when a stream answers, its question and answer row are stored, though the model answered first', async () => {
  const q = `Where do tides come from? ${crypto.randomUUID()}`;
  const response = await fetch(`${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`);
  assert.equal(response.status, 200);
  // Read nothing yet: the rows are there as soon as the response is.
  const stored = (await conversations()).find((c) => c.title === q);
  assert.ok(stored, 'the conversation is stored when the response begins');
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

test('a question that cannot be stored fails the start with 500 internal_error; its stream ends with error', async (t) => {
  const db = gateway.services.db;
  await sql`CREATE TRIGGER refuse_questions BEFORE INSERT ON messages BEGIN SELECT RAISE(ABORT, 'disk full'); END`.execute(
    db,
  );
  t.after(() => sql`DROP TRIGGER refuse_questions`.execute(db));
  const q = `Can this be stored? ${crypto.randomUUID()}`;
  const streamId = `refused-${crypto.randomUUID()}`;
  const start = () =>
    collectSSE(`${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}&stream_id=${streamId}`);
  const refused = await start();
  assert.equal(refused.status, 500);
  assert.equal(JSON.parse(refused.raw).error.type, 'internal_error');
  assert.equal((await conversations()).filter((c) => c.title === q).length, 0, 'nothing half-stored');
  // The same start sent again reads the stream the first began: failed, not a complete answer.
  const again = await start();
  assert.equal(again.status, 200);
  assert.equal(errorType(again.events), 'internal_error');
  assert.equal(doneReason(again.events), 'error');
  assert.notEqual(answerOf(again.events), demoAnswer(q));
});
