/**
 * Bounded chaos: a few hundred streams over three instances sharing Redis, each instance
 * behind a cutting proxy that cuts connections at random byte offsets (mid-frame, mid-
 * character), and one instance killed and restarted in the middle. Every finished transcript
 * must equal its reference exactly. Prints the counts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type CuttingProxy, startCuttingProxy } from '../../../testing/cutting-proxy.ts';
import { type SpawnedServer, spawnGateway } from '../../../testing/gateway.ts';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';
import { demoAnswer } from '../src/models/demo-answer.ts';

const STREAMS = 240;
const CONCURRENCY = 24;
const MAX_ATTEMPTS = 200;
const ENV = { DEMO_TOKENS_PER_SEC: '150', STREAM_LEASE_MS: '500', SHUTDOWN_GRACE_MS: '200' };

interface Instance {
  server: SpawnedServer;
  proxy: CuttingProxy;
}

let redis: TestRedis;
const instances: (Instance | undefined)[] = [];
const proxies: CuttingProxy[] = [];

async function startInstance(): Promise<Instance> {
  const server = await spawnGateway({ ...ENV, REDIS_URL: redis.url });
  const proxy = await startCuttingProxy(server.url);
  proxies.push(proxy);
  return { server, proxy };
}

before(async () => {
  redis = await startRedis();
  for (let i = 0; i < 3; i++) instances.push(await startInstance());
});
after(async () => {
  for (const instance of instances) await instance?.server.stop();
  for (const proxy of proxies) await proxy.close();
  await redis.close();
});

/** A seeded generator, so a failing run can be repeated. */
function random(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

const counts = { streams: 0, cuts: 0, resumes: 0, lost: 0, duplicated: 0, failedConnects: 0 };

/** A live instance's proxy, at random. */
function pickInstance(rand: () => number): CuttingProxy {
  const live = instances.filter((i): i is Instance => i !== undefined);
  return live[Math.floor(rand() * live.length)]!.proxy;
}

/** One client: asks, and resumes after every cut (on any instance) until `done`. */
async function runClient(n: number, rand: () => number) {
  const q = `chaos question ${n % 17}`;
  const seen = new Map<number, string>();
  let text = '';
  let streamId: string | undefined;
  let lastSeq = 0;
  let lastOutcome = '';
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const target = pickInstance(rand);
    const url = streamId
      ? `${target.url}/api/v1/streams/${streamId}?after=${lastSeq}`
      : `${target.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`;
    if (streamId) counts.resumes++;
    let got: Awaited<ReturnType<typeof collectSSE>>;
    try {
      got = await collectSSE(url, { timeoutMs: 20_000 });
    } catch (error) {
      lastOutcome = `error ${(error as Error).message}`;
      counts.failedConnects++;
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    for (const event of got.events) {
      if (event.seq === undefined) continue;
      streamId ??= event.streamId;
      if (seen.has(event.seq)) counts.duplicated++;
      if (event.seq !== lastSeq + 1) counts.lost++;
      seen.set(event.seq, event.event);
      lastSeq = event.seq;
      if (event.event === 'delta') text += event.data.text;
    }
    if (got.events.at(-1)?.event === 'done') {
      counts.streams++;
      return { q, text };
    }
    lastOutcome = `status ${got.status} ${got.raw.slice(0, 120)} after seq ${lastSeq}`;
    if (got.status !== 200) await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `stream ${n} (${streamId}) did not finish in ${MAX_ATTEMPTS} attempts; last: ${lastOutcome}`,
  );
}

test(`${STREAMS} streams with random cuts and an instance killed and restarted: no loss, no duplicate`, async () => {
  const rand = random(20261124);
  let next = 0;
  const results: { q: string; text: string }[] = [];
  const worker = async () => {
    while (next < STREAMS) results.push(await runClient(next++, rand));
  };
  let running = true;
  const cutter = (async () => {
    // Every 40 ms, one proxy cuts the next connection that sends data, after 300 to 4,300
    // bytes (past the response head, so that every connection makes some progress).
    while (running) {
      const live = instances.filter((i): i is Instance => i !== undefined);
      live[Math.floor(rand() * live.length)]!.proxy.cutNextAfterBytes(300 + Math.floor(rand() * 4000));
      counts.cuts++;
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  const kill = (async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const victim = instances[0]!;
    instances[0] = undefined;
    victim.server.child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    instances[0] = await startInstance();
  })();
  try {
    await Promise.all([...Array.from({ length: CONCURRENCY }, worker), kill]);
  } finally {
    running = false;
    await cutter;
  }
  const wrong = results.filter((r) => r.text !== demoAnswer(r.q)).length;
  console.log(
    `chaos: streams ${counts.streams}, cuts ${counts.cuts}, resumes ${counts.resumes}, ` +
      `failed connects ${counts.failedConnects}, lost ${counts.lost}, duplicated ${counts.duplicated}, wrong transcripts ${wrong}`,
  );
  assert.equal(counts.streams, STREAMS);
  assert.equal(counts.lost, 0);
  assert.equal(counts.duplicated, 0);
  assert.equal(wrong, 0);
  assert.ok(counts.resumes > STREAMS / 4, 'the run really cut connections');
});
