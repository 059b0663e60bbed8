/**
 * Conversations over HTTP: a stream creates or continues one, its answer is stored (partial
 * and marked incomplete when cancelled), and the list and read endpoints keep the contract.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';
import { demoAnswer } from '../src/models/demo-answer.ts';
import type { Gateway } from '../src/server.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '300' });
});
after(() => gateway.shutdown());

const ask = (q: string, conversation?: string) =>
  collectSSE(
    `${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}${conversation ? `&conversation_id=${conversation}` : ''}`,
  );

async function getJson(path: string) {
  const res = await fetch(`${gateway.url}${path}`);
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { error?: { type: string } },
  };
}

test('a stream creates a conversation; a follow-up continues it; both turns are stored', async () => {
  const first = await ask('First question');
  const hello = first.events[0]!;
  assert.ok(hello.event === 'hello' && hello.data.conversation_id);
  const id = hello.data.conversation_id;
  // Read right after `done`: the answer was stored before `done` went out.
  const stored = await getJson(`/api/v1/conversations/${id}`);
  assert.deepEqual(
    (stored.body.messages as { content: string; complete: boolean }[]).map((m) => [m.content, m.complete]),
    [
      ['First question', true],
      [answerOf(first.events), true],
    ],
  );
  const second = await ask('Second question', id);
  const again = second.events[0]!;
  assert.ok(again.event === 'hello' && again.data.conversation_id === id);
  const { status, body } = await getJson(`/api/v1/conversations/${id}`);
  assert.equal(status, 200);
  assert.equal(body.title, 'First question');
  assert.deepEqual(
    (body.messages as { role: string; content: string; complete: boolean }[]).map((m) => [
      m.role,
      m.content,
      m.complete,
    ]),
    [
      ['user', 'First question', true],
      ['assistant', answerOf(first.events), true],
      ['user', 'Second question', true],
      ['assistant', demoAnswer('Second question'), true],
    ],
  );
  for (const key of ['id', 'title', 'created_at', 'updated_at', 'messages']) assert.ok(key in body, key);
});

test('a cancelled answer keeps its partial text, marked incomplete', async () => {
  const slow = await startTestGateway({ DEMO_TOKENS_PER_SEC: '30' });
  try {
    const started = await collectSSE(`${slow.url}/api/v1/stream/chat?q=cancel+me`, {
      until: (_, all) => all.filter((e) => e.event === 'delta').length >= 2,
    });
    const hello = started.events[0]!;
    assert.ok(hello.event === 'hello');
    await fetch(`${slow.url}/api/v1/streams/${hello.streamId}/cancel`, { method: 'POST' });
    const rest = await collectSSE(`${slow.url}/api/v1/streams/${hello.streamId}`);
    const text = answerOf(rest.events);
    const res = await fetch(`${slow.url}/api/v1/conversations/${hello.data.conversation_id}`);
    const body = (await res.json()) as { messages: { role: string; content: string; complete: boolean }[] };
    const answer = body.messages.at(-1)!;
    assert.equal(answer.role, 'assistant');
    assert.equal(answer.complete, false);
    assert.equal(answer.content, text);
    assert.ok(text.length > 0);
  } finally {
    await slow.shutdown();
  }
});

test('the list is newest first and pages with next_cursor', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const { events } = await ask(`listed ${i}`);
    ids.push((events[0] as { data: { conversation_id: string } }).data.conversation_id);
  }
  const first = await getJson('/api/v1/conversations?limit=2');
  assert.equal(first.status, 200);
  const data = first.body.data as { id: string; title: string; updated_at: string }[];
  assert.deepEqual(
    data.map((c) => c.id),
    [ids[3], ids[2]],
  );
  assert.deepEqual(Object.keys(data[0]!).sort(), ['id', 'title', 'updated_at']);
  const second = await getJson(`/api/v1/conversations?limit=2&cursor=${first.body.next_cursor}`);
  assert.deepEqual(
    (second.body.data as { id: string }[]).map((c) => c.id),
    [ids[1], ids[0]],
  );
});

test('bad input: unknown conversation 404, bad limit or cursor 400', async () => {
  const unknown = await getJson('/api/v1/conversations/nope-nope');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error?.type, 'conversation_not_found');
  const streamed = await fetch(`${gateway.url}/api/v1/stream/chat?q=hi&conversation_id=does-not-exist`);
  assert.equal(streamed.status, 404);
  assert.equal(((await streamed.json()) as { error: { type: string } }).error.type, 'conversation_not_found');
  for (const bad of ['0', '101', 'x', '-1', '2.5']) {
    const res = await getJson(`/api/v1/conversations?limit=${bad}`);
    assert.equal(res.status, 400, `limit=${bad}`);
    assert.equal(res.body.error?.type, 'bad_request');
  }
  const badCursor = await getJson('/api/v1/conversations?cursor=not-a-cursor');
  assert.equal(badCursor.status, 400);
});
