/**
 * A conversation whose answer is still streaming says so: `GET /api/v1/conversations/ID`
 * carries `active_stream_id` and `active_last_seq` while the answer streams, and nulls once
 * it ended. With Redis, any instance answers for a stream another instance runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import type { Gateway } from '../src/server.ts';

let redis: TestRedis;
let dir: string;
before(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'tw-active-'));
});
after(async () => {
  await redis.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a paced answer on `g` and reads it until its `conversation` event; returns the ids. */
async function startAnswer(g: Gateway, q: string) {
  const controller = new AbortController();
  const response = await fetch(`${g.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`, {
    signal: controller.signal,
  });
  const reader = response.body!.getReader();
  let text = '';
  while (!/event: conversation\ndata: \{"id":"([^"]+)"/.test(text)) {
    text += new TextDecoder().decode((await reader.read()).value);
  }
  controller.abort(); // the generation goes on without a reader
  const conversationId = /event: conversation\ndata: \{"id":"([^"]+)"/.exec(text)![1]!;
  return { conversationId, streamId: response.headers.get('x-stream-id')! };
}

const conversation = async (g: Gateway, id: string) =>
  (await (await fetch(`${g.url}/api/v1/conversations/${id}`)).json()) as {
    active_stream_id: string | null;
    active_last_seq: number | null;
    messages: { complete: boolean }[];
  };

async function untilEnded(g: Gateway, streamId: string): Promise<void> {
  const got = await collectSSE(`${g.url}/api/v1/streams/${streamId}`);
  assert.equal(got.events.at(-1)?.event, 'done');
}

test('while the answer streams: active_stream_id and active_last_seq; after: nulls', async () => {
  const g = await startTestGateway({ DEMO_TOKENS_PER_SEC: '100' });
  const { conversationId, streamId } = await startAnswer(g, 'still streaming');
  const live = await conversation(g, conversationId);
  assert.equal(live.active_stream_id, streamId);
  assert.ok(live.active_last_seq! >= 4, `last seq ${live.active_last_seq}`);
  assert.equal(live.messages.at(-1)?.complete, false);
  await untilEnded(g, streamId);
  const ended = await conversation(g, conversationId);
  assert.deepEqual([ended.active_stream_id, ended.active_last_seq], [null, null]);
  assert.equal(ended.messages.at(-1)?.complete, true);
  await g.shutdown();
});

test('with Redis, another instance names the stream and its last event too', async () => {
  const shared = {
    DEMO_TOKENS_PER_SEC: '100',
    REDIS_URL: redis.url,
    DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`,
  };
  const a = await startTestGateway(shared);
  const b = await startTestGateway(shared);
  const { conversationId, streamId } = await startAnswer(a, 'asked on a, read on b');
  const seen = await conversation(b, conversationId);
  assert.equal(seen.active_stream_id, streamId);
  assert.ok(seen.active_last_seq! >= 4);
  await untilEnded(b, streamId);
  assert.equal((await conversation(b, conversationId)).active_stream_id, null);
  await a.shutdown();
  await b.shutdown();
});
