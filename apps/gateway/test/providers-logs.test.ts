/**
 * Upstream failures in the server's logs, through `npm start`'s entry: each failed generation
 * is reported with its error type, and the upstream API key appears nowhere in the logs.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeOpenAI } from '../../../testing/fake-openai.ts';
import type { FakeUpstream } from '../../../testing/fake-upstream.ts';
import { type SpawnedGateway, spawnGateway } from '../../../testing/gateway.ts';
import { collectSSE, errorType } from '../../../testing/sse-client.ts';

const KEY = 'sk-live-SECRET-4f9a';
let fake: FakeUpstream;
let gateway: SpawnedGateway;
before(async () => {
  fake = await startFakeOpenAI();
  gateway = await spawnGateway({
    LOG_LEVEL: 'info',
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: `${fake.url}/v1`,
    LLM_MODEL: 'fake-model',
    LLM_API_KEY: KEY,
  });
});
after(async () => {
  await gateway.stop();
  await fake.close();
});

test('a failed generation is logged with its type; the API key never is', async () => {
  fake.queue.push({ kind: 'status', status: 401 }, { kind: 'error-event', tokens: ['a', ' b', ' c'] });
  for (const expected of ['upstream_auth', 'upstream_error']) {
    const { events } = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=hi`);
    assert.equal(errorType(events), expected);
  }
  assert.match(String(fake.requests[0]?.headers.authorization), new RegExp(KEY), 'the key was sent upstream');
  // Logs are written asynchronously: wait (bounded) for both failures to appear.
  const failures = () =>
    gateway
      .stderr()
      .split('\n')
      .filter((line) => line.includes('generation failed'));
  for (let i = 0; i < 100 && failures().length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(
    failures().map((line) => (JSON.parse(line) as { type: string }).type),
    ['upstream_auth', 'upstream_error'],
  );
  assert.ok(!gateway.stderr().includes(KEY), 'the key is nowhere in the logs');
  assert.ok(!gateway.stderr().includes('SECRET'), 'not even a part of it');
});
