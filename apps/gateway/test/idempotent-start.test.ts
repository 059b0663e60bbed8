/**
 * An idempotent start: a chat start naming its stream with `Idempotency-Key` gets that id
 * (also in the `X-Stream-Id` header); the same start sent again by the same user is attached
 * to the running generation from its first event, never a second generation; another user's
 * key is a conflict; a malformed key is refused before anything starts. The body's
 * `stream_id` names the same thing: with the header it must agree, and then it is one start.
 * All of it on the memory store and on Redis.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import { demoAnswer } from '../src/models/demo-answer.ts';
import type { Gateway } from '../src/server.ts';

let gateway: Gateway;
// Without Redis the starter looks for a named stream before it admits the start; with Redis
// the limits' script looks for it as it counts the start (limits on, never refusing here).
for (const store of ['memory', 'Redis'] as const) {
  describe(`on the ${store} store`, () => {
    let redis: TestRedis | undefined;
    before(async () => {
      redis = store === 'Redis' ? await startRedis() : undefined;
      gateway = await startTestGateway({
        AUTH_TOKENS: 'ada:ada-token-123,bob:bob-token-456',
        DEMO_TOKENS_PER_SEC: '200',
        ...(redis && { REDIS_URL: redis.url, RATE_LIMIT_PER_MIN: '1000', MAX_STREAMS_PER_USER: '100' }),
      });
    });
    after(async () => {
      await gateway.shutdown();
      await redis?.close();
    });
    idempotentStarts();
  });
}

const start = (key: string, token: string, q: string, streamId?: string) =>
  collectSSE(`${gateway.url}/api/v1/stream/chat`, {
    method: 'POST',
    body: JSON.stringify({ q, stream_id: streamId }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
  });

async function conversationsTitled(q: string, token = 'ada-token-123'): Promise<number> {
  const response = await fetch(`${gateway.url}/api/v1/conversations?limit=100`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const { data } = (await response.json()) as { data: { title: string }[] };
  return data.filter((c) => c.title === q).length;
}

function idempotentStarts(): void {
  test('a start sent twice with one key: one generation, both responses carry the whole stream', async () => {
    const key = crypto.randomUUID();
    const q = 'idempotent twice';
    const [first, second] = await Promise.all([
      start(key, 'ada-token-123', q),
      new Promise((r) => setTimeout(r, 30)).then(() => start(key, 'ada-token-123', q)),
    ]);
    for (const got of [first, second]) {
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('x-stream-id'), key);
      assert.equal(got.events[0]?.event, 'hello');
      assert.equal(got.events[0]?.streamId, key);
      assert.equal(
        got.events
          .filter((e) => e.event === 'delta')
          .map((e) => e.data.text)
          .join(''),
        demoAnswer(q),
      );
    }
    assert.equal(
      second.raw.replace(/event: ping\ndata: [^\n]*\n\n/g, ''),
      first.raw.replace(/event: ping\ndata: [^\n]*\n\n/g, ''),
    );
    assert.equal(await conversationsTitled(q), 1);
  });

  test('two starts with one key at the same moment: one generation, the question stored once', async () => {
    const key = crypto.randomUUID();
    const q = 'idempotent at once';
    const both = await Promise.all([start(key, 'ada-token-123', q), start(key, 'ada-token-123', q)]);
    for (const got of both) assert.equal(got.events[0]?.streamId, key);
    assert.equal(await conversationsTitled(q), 1);
  });

  test("another user's key is a conflict, and starts nothing", async () => {
    const key = crypto.randomUUID();
    await start(key, 'ada-token-123', 'ada asks');
    const got = await start(key, 'bob-token-456', 'bob asks');
    assert.equal(got.status, 409);
    assert.equal(JSON.parse(got.raw).error.type, 'stream_exists');
    assert.equal(await conversationsTitled('bob asks', 'bob-token-456'), 0);
  });

  test('a malformed key is a 400 and starts nothing', async () => {
    for (const key of ['short', 'has:colon-and-is-long-enough', 'x'.repeat(129)]) {
      const got = await start(key, 'ada-token-123', `bad key ${key.length}`);
      assert.equal(got.status, 400, key);
      assert.equal(JSON.parse(got.raw).error.type, 'bad_request');
      assert.equal(await conversationsTitled(`bad key ${key.length}`), 0);
    }
  });

  test('a start without a key gets a fresh id, named in X-Stream-Id', async () => {
    const got = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=no+key`, {
      headers: { authorization: 'Bearer ada-token-123' },
    });
    assert.equal(got.headers.get('x-stream-id'), got.events[0]?.streamId);
  });

  test('Idempotency-Key and a different stream_id: 400, nothing starts', async () => {
    const q = 'two different ids';
    const got = await start(crypto.randomUUID(), 'ada-token-123', q, crypto.randomUUID());
    assert.equal(got.status, 400);
    const { error } = JSON.parse(got.raw);
    assert.equal(error.type, 'bad_request');
    assert.match(error.message, /Idempotency-Key and stream_id/);
    assert.equal(await conversationsTitled(q), 0);
  });

  test('Idempotency-Key and the same stream_id: one stream with that id; stream_id alone is taken too', async () => {
    const key = crypto.randomUUID();
    const q = 'one id twice over';
    const both = await start(key, 'ada-token-123', q, key);
    assert.equal(both.status, 200);
    assert.equal(both.headers.get('x-stream-id'), key);
    const bodyOnly = await collectSSE(`${gateway.url}/api/v1/stream/chat`, {
      method: 'POST',
      body: JSON.stringify({ q, stream_id: key }),
      headers: { 'content-type': 'application/json', authorization: 'Bearer bob-token-456' },
    });
    assert.equal(bodyOnly.status, 409, "the body's stream_id finds the same taken stream");
    assert.equal(JSON.parse(bodyOnly.raw).error.type, 'stream_exists');
    assert.equal(await conversationsTitled(q), 1);
  });
}
