/**
 * Issue 6's benchmark: the memory store against the Redis store (throughput of one gateway),
 * resume latency (reconnect to first replayed event), and how many idle streams one instance
 * holds, with memory per stream.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeOpenAI } from '../../testing/fake-openai.ts';
import { type SpawnedServer, spawnGateway } from '../../testing/gateway.ts';
import { startRedis } from '../../testing/redis.ts';
import { collectSSE } from '../../testing/sse-client.ts';
import { cpuSeconds, holdFollowedStreams, holdIdleStreams, rssBytes, runLoadClient } from '../proc.ts';
import { f } from './format.ts';

export interface ScaleOptions {
  concurrency: number;
  seconds: number;
  resumes: number;
  idleSteps: number[];
  redisIdle: number;
}

async function throughput(
  server: SpawnedServer,
  options: ScaleOptions,
  url = `${server.url}/api/v1/stream/chat?q=Hello`,
) {
  await runLoadClient(['latency', `${url}&warm=1`, 20]);
  return runLoadClient<{ frames: number; streams: number; seconds: number }>([
    'throughput',
    url,
    options.concurrency,
    options.seconds,
  ]);
}

/** Time from sending a resume request to receiving its first replayed event, `count` times. */
async function resumeLatency(server: SpawnedServer, count: number) {
  const { events } = await collectSSE(`${server.url}/api/v1/stream/chat?q=resume+latency`);
  const id = events[0]!.streamId!;
  const last = events.at(-1)!.seq!;
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const after = i % (last - 1);
    const began = performance.now();
    await collectSSE(`${server.url}/api/v1/streams/${id}?after=${after}`, { until: () => true });
    times.push(performance.now() - began);
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!;
  return { p50: pct(50), p99: pct(99) };
}

/**
 * First delta at low load and burst answers/s of `server` while its idle streams stay open,
 * asked of the fake upstream's model (it answers at once; the idle streams' demo model is paced
 * to a standstill).
 */
async function liveReading(server: SpawnedServer, options: ScaleOptions) {
  const url = `${server.url}/api/v1/stream/chat?q=Hello&model=fake-model`;
  const low = await runLoadClient<{ firstDelta: { p50: number; p99: number } }>(['latency', url, 50]);
  const tp = await throughput(server, options, url);
  return { firstDelta: low.firstDelta, answersPerSec: tp.streams / tp.seconds };
}

type LiveReading = Awaited<ReturnType<typeof liveReading>>;

async function idleMemory(
  env: Record<string, string>,
  steps: number[],
  options?: ScaleOptions,
): Promise<{
  rows: { open: number; perStream: number }[];
  live?: { before: LiveReading; held?: LiveReading };
}> {
  const fake = options ? await startFakeOpenAI() : undefined;
  const upstream: Record<string, string> = fake
    ? { LLM_PROVIDER: 'openai', LLM_BASE_URL: `${fake.url}/v1`, LLM_MODEL: 'fake-model', LLM_API_KEY: 'k' }
    : {};
  const server = await spawnGateway({ ...env, ...upstream, DEMO_TOKENS_PER_SEC: '0.001' });
  const url = `${server.url}/api/v1/stream/chat?q=idle&model=demo`;
  if (options) await liveReading(server, options); // warm-up: the JIT, the upstream's connections
  const before = options ? await liveReading(server, options) : undefined;
  await sleep(300);
  const base = rssBytes(server.child.pid!);
  const held: { release: () => Promise<void> }[] = [];
  const rows: { open: number; perStream: number }[] = [];
  let open = 0;
  try {
    for (const target of steps) {
      held.push(await holdIdleStreams(url, target - open));
      open = target;
      await sleep(1000);
      rows.push({ open, perStream: (rssBytes(server.child.pid!) - base) / open });
    }
  } catch (error) {
    rows.push({ open: -1, perStream: Number.NaN });
    process.stderr.write(`bench: idle streams stopped at ${open}: ${(error as Error).message}\n`);
  }
  const whileHeld = options && rows.at(-1)!.open > 0 ? await liveReading(server, options) : undefined;
  for (const h of held) await h.release();
  await server.stop();
  await fake?.close();
  return { rows, live: before && { before, held: whileHeld } };
}

/** Pace of the streams another instance writes while they are followed: tokens/s per stream. */
const FOLLOWED_PACE = 0.1;
const CPU_WINDOW_MS = 5000;

/**
 * Two gateways on one Redis: A runs `count` streams (paced at `FOLLOWED_PACE`, so their events
 * flow), B follows every one of them for a client; B's live reading before and while it does,
 * and B's CPU while it only follows.
 */
async function crossInstance(redisUrl: string, count: number, options: ScaleOptions) {
  const fake = await startFakeOpenAI();
  const upstream = {
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: `${fake.url}/v1`,
    LLM_MODEL: 'fake-model',
    LLM_API_KEY: 'k',
  };
  const writer = await spawnGateway({
    REDIS_URL: redisUrl,
    ...upstream,
    DEMO_TOKENS_PER_SEC: String(FOLLOWED_PACE),
  });
  const follower = await spawnGateway({ REDIS_URL: redisUrl, ...upstream });
  try {
    await liveReading(follower, options); // warm-up
    const before = await liveReading(follower, options);
    const held = await holdFollowedStreams(
      `${writer.url}/api/v1/stream/chat?q=follow&model=demo`,
      count,
      follower.url,
    );
    try {
      await sleep(1000);
      const c0 = cpuSeconds(follower.child.pid!);
      await sleep(CPU_WINDOW_MS);
      const cpuShare = (cpuSeconds(follower.child.pid!) - c0) / (CPU_WINDOW_MS / 1000);
      const whileFollowing = await liveReading(follower, options);
      return { before, whileFollowing, cpuShare };
    } finally {
      await held.release();
    }
  } catch (error) {
    process.stderr.write(`bench: cross-instance following failed: ${(error as Error).message}\n`);
    return undefined;
  } finally {
    await follower.stop();
    await writer.stop();
    await fake.close();
  }
}

export async function scaleOutSection(options: ScaleOptions): Promise<string> {
  const redis = await startRedis();
  const stores = [
    { name: 'memory store', env: {} as Record<string, string> },
    { name: 'Redis store (local redis-server)', env: { REDIS_URL: redis.url } },
  ];
  const rows: string[] = [];
  for (const store of stores) {
    process.stderr.write(`bench: ${store.name}\n`);
    const server = await spawnGateway({ ...store.env, DEMO_TOKENS_PER_SEC: '0' });
    const tp = await throughput(server, options);
    const resume = await resumeLatency(server, options.resumes);
    await server.stop();
    rows.push(
      `| ${store.name} | ${f(tp.streams / tp.seconds)} | ${f(tp.frames / tp.seconds)} | ${f(resume.p50, 2)} / ${f(resume.p99, 2)} |`,
    );
  }
  process.stderr.write('bench: idle streams, memory store\n');
  const idle = (await idleMemory({}, options.idleSteps)).rows;
  process.stderr.write('bench: idle streams, Redis store\n');
  const { rows: idleRedis, live } = await idleMemory({ REDIS_URL: redis.url }, [options.redisIdle], options);
  process.stderr.write('bench: streams followed from another instance\n');
  const cross = await crossInstance(`${redis.url}/1`, options.redisIdle, options);
  await redis.close();
  const liveRow = (what: string, r?: LiveReading) =>
    r
      ? `| ${what} | ${f(r.firstDelta.p50, 2)} / ${f(r.firstDelta.p99, 2)} | ${f(r.answersPerSec)} |`
      : `| ${what} | failed | failed |`;
  return [
    '## Scale-out: memory store against Redis store',
    '',
    `One gateway, demo model unpaced, ${options.concurrency} concurrent clients for ${options.seconds} s (deltas coalesced). ` +
      `Resume latency: ${options.resumes} resumes of a finished stream one at a time, from sending the request to the first replayed event.`,
    '',
    '| store | answers/s | events/s | resume to first event p50 / p99 (ms) |',
    '|---|---|---|---|',
    ...rows,
    '',
    'Idle streams held by one instance (each a running generation paced at 0.001 tokens/s, one open SSE connection each; RSS growth of the gateway divided by open streams):',
    '',
    '| store | open streams | RSS per stream |',
    '|---|---|---|',
    ...idle.map((r) => `| memory | ${r.open < 0 ? 'failed' : f(r.open)} | ${f(r.perStream / 1024, 1)} KiB |`),
    ...idleRedis.map(
      (r) => `| Redis | ${r.open < 0 ? 'failed' : f(r.open)} | ${f(r.perStream / 1024, 1)} KiB |`,
    ),
    '',
    `The Redis store's live reading with many followed streams: one gateway (\`REDIS_URL\` set) answering new questions (a fake OpenAI-compatible upstream that answers at once; 50 one at a time, then ${options.concurrency} concurrent clients for ${options.seconds} s), before and while it follows ${f(options.redisIdle)} streams. First, streams that run on this gateway (idle ones): their readers are served from this process as Redis stores each frame (\`LocalFanout\`). Then streams that another gateway on the same Redis runs, each paced at ${FOLLOWED_PACE} tokens/s (about ${f(options.redisIdle * FOLLOWED_PACE)} events/s in all), each followed by a client of this gateway: this gateway reads them on their announcements (pub/sub, one \`XRANGE\` of one key per announced append):`,
    '',
    '| followed streams | first delta p50 / p99 (ms) | answers/s |',
    '|---|---|---|',
    liveRow('0', live?.before),
    liveRow(`${f(options.redisIdle)} idle, written here`, live?.held),
    liveRow('0 (second pair of gateways)', cross?.before),
    liveRow(`${f(options.redisIdle)} written by another gateway`, cross?.whileFollowing),
    '',
    cross
      ? `While it only followed the ${f(options.redisIdle)} streams of the other gateway, this gateway used ${f(cross.cpuShare * 100, 1)}% of one core (measured over ${CPU_WINDOW_MS / 1000} s).`
      : 'Following the streams of another gateway failed in this run (see the bench output).',
    '',
  ].join('\n');
}
