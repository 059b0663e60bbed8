/**
 * `done.tokens` counts every token of the answer, whoever ends the stream: after a cancel,
 * after `stream_too_large`, and after another instance continued the answer (a takeover when
 * the owner died, a hand-off when it shut down). It used to be 0 or only the last instance's.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { spawnGateway, startTestGateway } from '../../../testing/gateway.ts';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';
import { DemoModel } from '../src/models/demo.ts';
import { demoAnswer } from '../src/models/demo-answer.ts';
import type { Gateway } from '../src/server.ts';

const tokensOf = (text: string) => new DemoModel(0).countTokens(text);
/** The demo's output tokens in a transcript: its reasoning and its answer. */
const outputTokensOf = (events: { event: string; data: unknown }[]) =>
  tokensOf(
    events.flatMap((e) => (e.event === 'reasoning' ? [(e.data as { text: string }).text] : [])).join(''),
  ) + tokensOf(answerOf(events as Parameters<typeof answerOf>[0]));
const ask = (url: string, q: string) => `${url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`;
const doneOf = (events: { event: string; data: unknown }[]) => {
  const done = events.at(-1)!;
  assert.equal(done.event, 'done');
  return done.data as { reason: string; tokens: number };
};

let redis: TestRedis;
let heir: Gateway;
const shared = () => ({ REDIS_URL: redis.url, DEMO_TOKENS_PER_SEC: '60', STREAM_LEASE_MS: '400' });
before(async () => {
  redis = await startRedis();
  heir = await startTestGateway(shared());
});
after(async () => {
  await heir.shutdown();
  await redis.close();
});

test('an uninterrupted answer: done.tokens is its token count, reasoning included', async () => {
  const q = 'count me whole';
  const { events } = await collectSSE(ask(heir.url, q));
  assert.ok(
    events.some((e) => e.event === 'reasoning'),
    'the demo reasons first',
  );
  assert.equal(doneOf(events).tokens, outputTokensOf(events));
});

test('cancelled: done.tokens counts the tokens sent', async () => {
  const g = await startTestGateway({ DEMO_TOKENS_PER_SEC: '100' });
  const first = await collectSSE(ask(g.url, 'cancel me'), { until: (e) => e.event === 'delta' });
  const id = first.events[0]!.streamId!;
  await fetch(`${g.url}/api/v1/streams/${id}/cancel`, { method: 'POST' });
  const { events } = await collectSSE(`${g.url}/api/v1/streams/${id}`);
  const done = doneOf(events);
  assert.equal(done.reason, 'cancelled');
  assert.ok(done.tokens > 0);
  assert.equal(done.tokens, outputTokensOf(events));
  await g.shutdown();
});

test('stream_too_large: done.tokens counts the tokens sent', async () => {
  const g = await startTestGateway({ STREAM_MAX_LOG_BYTES: '2048' });
  const { events } = await collectSSE(ask(g.url, 'too long for the log'));
  assert.ok(events.some((e) => e.event === 'error' && e.data.type === 'stream_too_large'));
  const done = doneOf(events);
  assert.ok(done.tokens > 0);
  assert.equal(done.tokens, outputTokensOf(events));
  await g.shutdown();
});

for (const how of ['taken over (owner killed)', 'handed off (owner shut down)'] as const) {
  test(`${how}: done.tokens counts the tokens of both instances`, async () => {
    const owner = await spawnGateway({ ...shared(), SHUTDOWN_GRACE_MS: '200' });
    const q = `count across instances, ${how}`;
    const first = await collectSSE(ask(owner.url, q), { until: (_, all) => all.length >= 8 });
    if (how.startsWith('taken')) owner.child.kill('SIGKILL');
    else assert.equal(await owner.stop(), 0);
    const id = first.events[0]!.streamId!;
    const { events } = await collectSSE(`${heir.url}/api/v1/streams/${id}`, { timeoutMs: 30_000 });
    assert.equal(answerOf(events), demoAnswer(q), 'one seamless answer');
    const done = doneOf(events);
    assert.equal(done.reason, 'stop');
    assert.equal(done.tokens, outputTokensOf(events));
    await owner.stop();
  });
}
