/**
 * Restart metrics on two instances sharing a real Redis: the instance shutting down counts
 * the generations it hands off, the one continuing them counts the takeovers, and the
 * resumed stream ends whole.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import type { Gateway } from '../src/server.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.close());

async function metric(gateway: Gateway, name: string): Promise<number> {
  const text = await gateway.services.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is exported`);
  return Number(line.split(' ')[1]);
}

test('a shutdown hands running generations off; the other instance counts the takeover', async () => {
  const env = {
    REDIS_URL: redis.url,
    STREAM_LEASE_MS: '400',
    DEMO_TOKENS_PER_SEC: '20',
    SHUTDOWN_GRACE_MS: '100',
  };
  const leaving = await startTestGateway(env);
  const staying = await startTestGateway({ ...env, DEMO_TOKENS_PER_SEC: '500' });
  try {
    const first = await collectSSE(`${leaving.url}/api/v1/stream/chat?q=restart`, {
      until: (_, all) => all.length >= 3,
    });
    const last = first.events.at(-1)!;
    await leaving.shutdown();
    assert.equal(await metric(leaving, 'tidewire_streams_handed_off_total'), 1);
    const rest = await collectSSE(`${staying.url}/api/v1/streams/${last.streamId}?after=${last.seq}`);
    assert.equal(rest.events.at(-1)?.event, 'done');
    assert.equal(await metric(staying, 'tidewire_streams_taken_over_total'), 1);
    assert.equal(await metric(staying, 'tidewire_streams_handed_off_total'), 0);
  } finally {
    await staying.shutdown();
  }
});
