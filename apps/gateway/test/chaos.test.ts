/**
 * Bounded chaos: a few hundred streams over three instances sharing Redis, with random
 * connection cuts (mid-frame) and one instance killed and restarted in the middle. Every
 * finished transcript must equal its reference exactly. Prints the counts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type SpawnedServer, spawnGateway } from '../../../testing/gateway.ts';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';
import { demoAnswer } from '../src/models/demo-answer.ts';

const STREAMS = 240;
const CONCURRENCY = 24;
const MAX_ATTEMPTS = 60;
const ENV = { DEMO_TOKENS_PER_SEC: '150', STREAM_LEASE_MS: '500', SHUTDOWN_GRACE_MS: '200' };

let redis: TestRedis;
const instances: (SpawnedServer | undefined)[] = [];
before(async () => {
  redis = await startRedis();
  for (let i = 0; i < 3; i++) instances.push(await spawnGateway({ ...ENV, REDIS_URL: redis.url }));
});
after(async () => {
  for (const instance of instances) await instance?.stop();
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

function pickInstance(rand: () => number): SpawnedServer {
  const live = instances.filter((i): i is SpawnedServer => i !== undefined);
  return live[Math.floor(rand() * live.length)]!;
}

/** One client: asks, and resumes after every cut (on any instance) until `done`. */
async function runClient(n: number, rand: () => number) {
  const q = `chaos question ${n % 17}`;
  const seen = new Map<number, string>();
  let text = '';
  let streamId: string | undefined;
  let lastSeq = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const target = pickInstance(rand);
    const url = streamId
      ? `${target.url}/api/v1/streams/${streamId}?after=${lastSeq}`
      : `${target.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`;
    const cutAfter = rand() < 0.5 ? 1 + Math.floor(rand() * 40) : Number.POSITIVE_INFINITY;
    if (streamId) counts.resumes++;
    let got: Awaited<ReturnType<typeof collectSSE>>;
    try {
      got = await collectSSE(url, { until: (_, all) => all.length >= cutAfter, timeoutMs: 20_000 });
    } catch {
      counts.failedConnects++;
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    if (!got.ended) counts.cuts++;
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
    if (got.status !== 200 && got.status !== 0) await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`stream ${n} did not finish in ${MAX_ATTEMPTS} attempts`);
}

test(`${STREAMS} streams with random cuts and an instance killed and restarted: no loss, no duplicate`, async () => {
  const rand = random(20261124);
  let next = 0;
  const results: { q: string; text: string }[] = [];
  const worker = async () => {
    while (next < STREAMS) results.push(await runClient(next++, rand));
  };
  const chaos = (async () => {
    await new Promise((r) => setTimeout(r, 1500));
    const victim = instances[0]!;
    instances[0] = undefined;
    victim.child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    instances[0] = await spawnGateway({ ...ENV, REDIS_URL: redis.url });
  })();
  await Promise.all([...Array.from({ length: CONCURRENCY }, worker), chaos]);
  const wrong = results.filter((r) => r.text !== demoAnswer(r.q)).length;
  console.log(
    `chaos: streams ${counts.streams}, cuts ${counts.cuts}, resumes ${counts.resumes}, ` +
      `failed connects ${counts.failedConnects}, lost ${counts.lost}, duplicated ${counts.duplicated}, wrong transcripts ${wrong}`,
  );
  assert.equal(counts.streams, STREAMS);
  assert.equal(counts.lost, 0);
  assert.equal(counts.duplicated, 0);
  assert.equal(wrong, 0);
  assert.ok(counts.cuts > STREAMS / 4, 'the run really cut connections');
});
