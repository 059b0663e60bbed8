/**
 * The stream limits across instances on one real Redis: the new-stream rate and the running
 * generations per user are shared, and a start is counted in the call that creates its
 * stream; a killed instance's slots free themselves within a lease;
 * Redis being away is a clear 503, not a 500 or an unlimited pass.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@redis/client';
import { spawnGateway, startTestGateway } from '../../../testing/gateway.ts';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import type { Gateway } from '../src/server.ts';

let redis: TestRedis;
const started: Gateway[] = [];
before(async () => {
  redis = await startRedis();
});
after(async () => {
  for (const g of started) await g.shutdown();
  await redis.close();
});

/** One user per test, so no test sees another's counts. */
const USERS = ['rate', 'slots', 'dead', 'down', 'again', 'other', 'once'] as const;
const AUTH_TOKENS = USERS.map((u) => `${u}:${u}-token-1`).join(',');
const as = (user: (typeof USERS)[number]) => ({ headers: { authorization: `Bearer ${user}-token-1` } });

async function gateway(env: Record<string, string>): Promise<Gateway> {
  const g = await startTestGateway({ REDIS_URL: redis.url, STREAM_LEASE_MS: '600', AUTH_TOKENS, ...env });
  started.push(g);
  return g;
}

const ask = (url: string, q: string) => `${url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`;
/** Starts a stream and lets go of it after `hello` (the generation keeps running). */
async function begin(url: string, q: string, user: (typeof USERS)[number]): Promise<string> {
  const { status, events } = await collectSSE(ask(url, q), { ...as(user), until: () => true });
  assert.equal(status, 200);
  return events[0]!.streamId!;
}

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { type: string } }).error.type;
}

test('RATE_LIMIT_PER_MIN is shared: the fourth new stream on any instance is 429 rate_limited', async () => {
  const env = { RATE_LIMIT_PER_MIN: '3', MAX_STREAMS_PER_USER: '0' };
  const [a, b] = [await gateway(env), await gateway(env)];
  for (const [g, q] of [
    [a, 'one'],
    [b, 'two'],
    [a, 'three'],
  ] as const)
    assert.equal((await collectSSE(ask(g.url, q), as('rate'))).status, 200);
  const refused = await fetch(ask(b.url, 'four'), as('rate'));
  assert.equal(refused.status, 429);
  assert.equal(await errorOf(refused), 'rate_limited');
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);
});

test('MAX_STREAMS_PER_USER counts generations on every instance, held past a lease; a cancel frees a slot', async () => {
  const env = { RATE_LIMIT_PER_MIN: '0', MAX_STREAMS_PER_USER: '2', DEMO_TOKENS_PER_SEC: '5' };
  const [a, b] = [await gateway(env), await gateway(env)];
  const first = await begin(a.url, 'slot one', 'slots');
  await begin(b.url, 'slot two', 'slots');
  await new Promise((r) => setTimeout(r, 1000)); // longer than the lease: slots are renewed
  const refused = await fetch(ask(a.url, 'slot three'), as('slots'));
  assert.equal(refused.status, 429);
  assert.equal(await errorOf(refused), 'too_many_streams');
  assert.ok(refused.headers.get('retry-after'));
  await fetch(`${a.url}/api/v1/streams/${first}/cancel`, { method: 'POST', ...as('slots') });
  let admitted = 0;
  for (let i = 0; i < 40 && admitted !== 200; i++) {
    const res = await fetch(ask(b.url, 'slot three'), as('slots'));
    admitted = res.status;
    await res.body?.cancel();
    if (admitted !== 200) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(admitted, 200, 'the cancelled stream gave its slot back');
});

test('a start is counted in the call that creates its stream (one round trip for both); a refusal that way is a 429 and a limit hit in the metrics', async () => {
  const g = await gateway({
    RATE_LIMIT_PER_MIN: '10',
    MAX_STREAMS_PER_USER: '1',
    DEMO_TOKENS_PER_SEC: '0.001',
  });
  const monitor = createClient({ url: redis.url });
  await monitor.connect();
  const commands: string[] = [];
  await monitor.monitor((line: string) => commands.push(line));
  try {
    const streamId = await begin(g.url, 'counted once', 'once');
    const refused = await fetch(ask(g.url, 'a second at once'), as('once'));
    assert.equal(refused.status, 429);
    assert.equal(await errorOf(refused), 'too_many_streams');
    // MONITOR shows every command Redis ran once a marker sent after them shows.
    const marker = `marker-${streamId}`;
    await g.services.engine.position(marker);
    for (let i = 0; i < 100 && !commands.some((c) => c.includes(marker)); i++) await sleep(10);
    // Script calls that count against the user's slots (not the commands a script runs, `[0 lua]`).
    const counting = commands.filter((c) => !c.includes(' lua]') && c.includes('"tw:slots:user:once"'));
    assert.equal(counting.length, 2, `one call per start:\n${counting.join('\n')}`);
    assert.ok(
      counting[0]!.includes(`"tw:{${streamId}}:log"`),
      'the first start: counted as its stream was created',
    );
    const metrics = await (await fetch(`${g.url}/metrics`, as('once'))).text();
    assert.match(metrics, /tidewire_limit_hits_total\{limit="streams"\} 1/);
  } finally {
    await monitor.destroy();
  }
});

test('a killed instance holds no slots: they lapse within a lease', async () => {
  const env = {
    REDIS_URL: redis.url,
    STREAM_LEASE_MS: '600',
    AUTH_TOKENS,
    RATE_LIMIT_PER_MIN: '0',
    MAX_STREAMS_PER_USER: '1',
    DEMO_TOKENS_PER_SEC: '2',
  };
  const doomed = await spawnGateway(env);
  try {
    await begin(doomed.url, 'held by an instance about to die', 'dead');
    const survivor = await gateway({ ...env, DEMO_TOKENS_PER_SEC: '500' });
    const refused = await fetch(ask(survivor.url, 'wait your turn'), as('dead'));
    assert.equal(refused.status, 429, 'the slot is held while its instance lives');
    await refused.body?.cancel();
    doomed.child.kill('SIGKILL');
    const began = Date.now();
    let status = 429;
    for (let i = 0; i < 60 && status === 429; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const res = await fetch(ask(survivor.url, 'my turn'), as('dead'));
      status = res.status;
      await res.body?.cancel();
    }
    assert.equal(status, 200, `slot freed after ${Date.now() - began} ms`);
  } finally {
    await doomed.stop();
  }
});

test('a repeated start (one Idempotency-Key) reads its stream on any instance and counts against no limit', async () => {
  const env = { RATE_LIMIT_PER_MIN: '1', MAX_STREAMS_PER_USER: '1', DEMO_TOKENS_PER_SEC: '20' };
  const [a, b] = [await gateway(env), await gateway(env)];
  const key = crypto.randomUUID();
  const again = (g: Gateway, user: (typeof USERS)[number]) =>
    collectSSE(ask(g.url, 'once'), {
      headers: { ...as(user).headers, 'idempotency-key': key },
      until: (e) => e.event === 'start',
    });
  const first = await again(a, 'again');
  assert.equal(first.status, 200);
  for (const g of [a, b]) {
    const repeated = await again(g, 'again');
    assert.equal(repeated.status, 200, 'neither the rate (1 a minute) nor the slot (1) refuses it');
    assert.equal(repeated.events[0]?.streamId, key);
  }
  const refused = await fetch(ask(b.url, 'a new start'), as('again'));
  assert.equal(refused.status, 429, 'a new start is still limited');
  await refused.body?.cancel();
  const stranger = await fetch(ask(b.url, 'once'), {
    headers: { ...as('other').headers, 'idempotency-key': key },
  });
  assert.equal(stranger.status, 409);
  assert.equal(await errorOf(stranger), 'stream_exists');
});

test('with Redis away, starting a stream is 503 service_unavailable with Retry-After', async () => {
  const g = await gateway({ RATE_LIMIT_PER_MIN: '10', MAX_STREAMS_PER_USER: '2' });
  await redis.kill();
  try {
    const res = await fetch(ask(g.url, 'redis is gone'), as('down'));
    assert.equal(res.status, 503);
    assert.equal(await errorOf(res), 'service_unavailable');
    assert.ok(res.headers.get('retry-after'));
  } finally {
    await redis.start();
  }
});
