/**
 * Issue 11's benchmark: what serving costs with every feature on (the real defaults: a file
 * SQLite database, `LOG_LEVEL=info`, metrics on, limits on with bounds that never refuse),
 * against plain node:http writing the same answer, in the same run. Each row prints its
 * target and whether this run met it.
 * @module
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT, type SpawnedServer, spawnGateway, spawnListening } from '../../testing/gateway.ts';
import { startRedis, type TestRedis } from '../../testing/redis.ts';
import { cpuSeconds, holdIdleStreams, rssBytes, runLoadClient } from '../proc.ts';
import { f, medians } from './format.ts';
import { percentiles } from './provider-latency.ts';

export interface ServingCostOptions {
  /** Burst: concurrent clients opening streams back to back, for `seconds`. */
  concurrency: number;
  seconds: number;
  /** Idle streams held when measuring RSS per stream. */
  idleCount: number;
  /** Streams opened as fast as the client can, timed. */
  openCount: number;
  /** Paced: this many streams at `tokensPerSec`, arriving evenly over `spreadMs`. */
  pacedCount: number;
  tokensPerSec: number;
  spreadMs: number;
  /** Low load: streams one at a time. */
  latencyCount: number;
  /** Idle streams one instance should hold at once (the gateway only; 0 skips the phase). */
  holdCount: number;
}

type Pace = 'burst' | 'idle' | 'paced';

/**
 * The young generation's cap (MiB per semi-space) both servers get for the second idle
 * measurement. With Node's defaults V8 sizes the young generation by what survives its
 * collections, up to 64 MiB per semi-space on this machine, and a server that grows it during the
 * measured window shows that fixed step as memory per stream.
 */
const YOUNG_CAP_MIB = 16;

/** The gateway's longest hold of coalesced text (`DELTA_HOLD_MS`, its default). */
const HOLD_MS = 30;

/**
 * Streams the open phase's client is opening at once at most. Opening all 10,000 at once, the
 * client itself sent some requests 11 s after their connection was accepted (plain node:http
 * too), past the gateway's 10 s header timeout: thousands answered 408 and sent again, or none,
 * from one run to the next.
 */
const OPEN_WINDOW = 1000;

/** Rounds of the paced and open phases; each figure is the median of its rounds. */
const ROUNDS = 3;
/**
 * Rounds of the burst phase (the shortest: five cost about a minute more than three). Its
 * answers/s moved by up to 30% between rounds minutes apart, for plain as much as the gateway.
 */
const BURST_ROUNDS = 5;

interface Side {
  name: string;
  /** Whether it coalesces text and reports each stream's longest hold on `/metrics` (the gateway). */
  coalesces: boolean;
  /** `nodeOptions`: Node flags for the server process (`NODE_OPTIONS`). */
  start(pace: Pace, tokensPerSec: number, nodeOptions?: string): Promise<SpawnedServer>;
  /** The process of the stream store it uses, if one of its own (redis-server): its CPU is serving cost too. */
  storePid?: () => number | undefined;
  /** The stream's URL path (with a query, so `&n=` can follow). */
  path(pace: Pace, tokensPerSec: number): string;
}

const NEVER_REFUSE = {
  RATE_LIMIT_PER_MIN: '100000000',
  MAX_STREAMS_PER_USER: '100000000',
  MAX_CONNECTIONS_PER_IP: '100000000',
};

/** The gateway with the real defaults; with `redis`, its streams in Redis instead of memory. */
function gatewaySide(dataDir: string, redis?: TestRedis): Side {
  const redisUrl = redis?.url;
  let run = 0;
  const tokens = (pace: Pace, tps: number) =>
    pace === 'burst' ? '0' : pace === 'idle' ? '0.05' : String(tps);
  return {
    name: `tidewire gateway (${redisUrl ? 'REDIS_URL set' : 'memory store'}, file SQLite, LOG_LEVEL=info, metrics and limits on)`,
    coalesces: true,
    start: (pace, tps, nodeOptions) => {
      run++;
      // redis-server has 16 databases (0-15) by default.
      if (redisUrl && run > 15) throw new Error('serving cost: more Redis gateways than databases');
      return spawnGateway({
        ...NEVER_REFUSE,
        ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
        DATABASE_URL: `sqlite:${join(dataDir, `tw-${redisUrl ? 'redis' : 'memory'}-${run}.db`)}`,
        LOG_LEVEL: 'info',
        METRICS_ENABLED: 'true',
        DEMO_TOKENS_PER_SEC: tokens(pace, tps),
        // A Redis database of its own per gateway: a stopped gateway hands its running streams
        // to the next instance, which must not be the next phase's gateway.
        ...(redisUrl ? { REDIS_URL: `${redisUrl}/${run}` } : {}),
      });
    },
    path: () => '/api/v1/stream/chat?q=Hello',
    ...(redis ? { storePid: () => redis.pid() } : {}),
  };
}

const plainSide: Side = {
  name: 'plain node:http res.write',
  coalesces: false,
  start: (_pace, _tps, nodeOptions) =>
    spawnListening('bench/yardsticks/plain-http.ts', nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
  path: (pace, tps) => `/?q=Hello${pace === 'paced' ? `&tps=${tps}` : ''}`,
};

interface Figures {
  answersPerSec: number;
  cpuUsPerAnswer: number;
  /** CPU of the store's own process (redis-server) per answer; 0 without one. */
  storeCpuUsPerAnswer: number;
  rssPerIdle: number;
  /** The same, with the young generation capped (`YOUNG_CAP_MIB`) for every server. */
  rssPerIdleCapped: number;
  /** The heap an idle stream holds after a full collection (bench/live-heap.mjs), bytes. */
  liveHeapPerIdle: number;
  openSeconds: number;
  /** Of those, requests answered 408 (not read within the server's header timeout) and sent again. */
  openRetried: number;
  paced: {
    cpuMsPerAnswer: number;
    storeCpuMsPerAnswer: number;
    firstByteP99: number;
    /** The same inside the server: from its `request` event to its `writeHead` (bench/head-timing.mjs). */
    serverHeadP99: number;
    /** Inside the server: from its `request` event to the first output's write (bench/head-timing.mjs). */
    serverOutputP99: number;
    firstOutputP99: number;
    gapP99: number;
    gapMax: number;
  } & LongestHolds;
  firstDeltaP50: number;
  /** Burst answers/s in each round, in round order (the sides run one after another in a round). */
  answersPerSecRounds: number[];
  /** Paced CPU per answer, the server's and its store's, in each round. */
  pacedCpuRounds: number[];
}

async function withServer<T>(
  side: Side,
  pace: Pace,
  tps: number,
  body: (s: SpawnedServer, url: string) => Promise<T>,
  nodeOptions?: string,
) {
  const server = await side.start(pace, tps, nodeOptions);
  try {
    return await body(server, `${server.url}${side.path(pace, tps)}`);
  } catch (error) {
    // What the server said last (a crash, a refusal) is the first thing to read.
    const state = server.child.exitCode ?? server.child.signalCode ?? 'running';
    process.stderr.write(
      `bench: ${side.name}, ${pace}: server ${state}; its last output:\n${server.stderr().slice(-3000)}\n`,
    );
    throw error;
  } finally {
    await server.stop();
  }
}

/** The CPU seconds a process has used so far; 0 for none. */
const cpuOf = (pid: number | undefined) => (pid === undefined ? 0 : cpuSeconds(pid));

/** Runs the load client; its result, and the CPU seconds the server and its store's process (if any) used meanwhile. */
async function loadWithCpu<T>(
  side: Side,
  server: SpawnedServer,
  args: (string | number)[],
): Promise<[T, number, number]> {
  const storePid = side.storePid?.();
  const [cpu0, store0] = [cpuSeconds(server.child.pid!), cpuOf(storePid)];
  const result = await runLoadClient<T>(args);
  return [result, cpuSeconds(server.child.pid!) - cpu0, cpuOf(storePid) - store0];
}

/** One burst phase: low load (after a warm-up round), then throughput with the server's CPU. */
function burstPhase(side: Side, o: ServingCostOptions) {
  return withServer(side, 'burst', 0, async (server, url) => {
    // Warmed up with as many streams as are measured: after 20, a gateway's first delta was still
    // falling from one round of 300 to the next (Redis store: 2.5, 1.8, 1.5 ms), while its JIT
    // caught up. Low load is measured in the steady state, on every server alike.
    await runLoadClient(['latency', url, o.latencyCount]);
    const low = await runLoadClient<{ firstDelta: { p50: number } }>(['latency', url, o.latencyCount]);
    const [tp, cpu, storeCpu] = await loadWithCpu<{ streams: number; seconds: number }>(side, server, [
      'throughput',
      url,
      o.concurrency,
      o.seconds,
    ]);
    return {
      firstDeltaP50: low.firstDelta.p50,
      answersPerSec: tp.streams / tp.seconds,
      cpuUsPerAnswer: (cpu / tp.streams) * 1e6,
      storeCpuUsPerAnswer: (storeCpu / tp.streams) * 1e6,
    };
  });
}

/** One open phase: the time to open `openCount` idle streams at once, and the 408s re-sent. */
function openPhase(side: Side, o: ServingCostOptions) {
  return withServer(side, 'idle', 0, async (_server, url) => {
    const began = performance.now();
    const held = await holdIdleStreams(`${url}&idle=1`, o.openCount, undefined, OPEN_WINDOW);
    const openSeconds = (performance.now() - began) / 1000;
    await held.release();
    return { openSeconds, openRetried: held.retried };
  });
}

/** One paced phase: `pacedCount` streams arriving over `spreadMs`, read to the end. */
function pacedPhase(side: Side, o: ServingCostOptions) {
  const timing = `--import ${join(ROOT, 'bench/head-timing.mjs')}`;
  return withServer(
    side,
    'paced',
    o.tokensPerSec,
    async (server, url) => {
      type Arrivals = {
        firstByte: { p99: number };
        firstOutput: { p99: number };
        gap: { p99: number; max: number };
      };
      const arrivals = ['arrivals', url, o.pacedCount, o.spreadMs];
      // Warmed up with a round as big as the measured one, as low load is: the first arrivals at a
      // fresh server meet its code before the JIT compiled it (the gateway has more of it).
      await runLoadClient(arrivals);
      const before = side.coalesces ? await holdsOn(server.url) : undefined;
      await serverTimes(server); // from here on
      const [r, cpu, storeCpu] = await loadWithCpu<Arrivals>(side, server, arrivals);
      return {
        cpuMsPerAnswer: (cpu / o.pacedCount) * 1e3,
        storeCpuMsPerAnswer: (storeCpu / o.pacedCount) * 1e3,
        firstByteP99: r.firstByte.p99,
        ...(await serverP99s(server)),
        firstOutputP99: r.firstOutput.p99,
        gapP99: r.gap.p99,
        gapMax: r.gap.max,
        ...(before ? longestHolds(before, await holdsOn(server.url)) : NO_HOLDS),
      };
    },
    timing,
  );
}

/** Where bench/head-timing.mjs (loaded into every paced server) writes its times. */
const HEAD_TIMES = join(tmpdir(), `tw-head-times-${process.pid}`);
// Servers inherit the bench's environment (spawnListening): the preload finds the path there.
process.env.TW_HEAD_TIMES = HEAD_TIMES;

/** Each request's time inside the server (ms) to its head and to its first output (bench/head-timing.mjs). */
interface ServerTimes {
  head: number[];
  output: number[];
}

/** The server's own times since the last call. */
async function serverTimes(server: SpawnedServer): Promise<ServerTimes> {
  return JSON.parse(await askPreload(server, HEAD_TIMES, 'server times')) as ServerTimes;
}

/** `serverTimes`' p99s: to the head, and to the first output (every request must have had one). */
async function serverP99s(server: SpawnedServer) {
  const { head, output } = await serverTimes(server);
  if (output.length < head.length)
    throw new Error(
      `serving cost: ${head.length - output.length} of ${head.length} responses wrote no output seen`,
    );
  return { serverHeadP99: percentiles(head).p99, serverOutputP99: percentiles(output).p99 };
}

/**
 * Signals a preload of the server (SIGUSR2) and reads what it writes to `${prefix}-${pid}` (a
 * preload writes the file aside and renames it: it is whole once it exists).
 */
async function askPreload(server: SpawnedServer, prefix: string, what: string): Promise<string> {
  const file = `${prefix}-${server.child.pid}`;
  server.child.kill('SIGUSR2');
  for (let waited = 0; !existsSync(file); waited += 10) {
    if (waited > 10_000) throw new Error(`serving cost: the server wrote no ${what} to ${file}`);
    await sleep(10);
  }
  const text = readFileSync(file, 'utf8');
  rmSync(file);
  return text;
}

/** Of the streams a gateway ran: their longest coalescing holds (its `/metrics` histogram). */
interface LongestHolds {
  /** The mean of each stream's longest hold (ms). */
  holdMeanMs: number;
  /** The share of streams whose longest hold kept the bound (`HOLD_MS`). */
  holdWithin: number;
  /** The histogram's smallest bucket bound that every stream's longest hold is within (ms). */
  holdAllWithinMs: number;
}

const NO_HOLDS: LongestHolds = {
  holdMeanMs: Number.NaN,
  holdWithin: Number.NaN,
  holdAllWithinMs: Number.NaN,
};
const HOLD_METRIC = 'tidewire_stream_longest_text_hold_seconds';

/** The gateway's hold histogram as it stands: streams counted, their sum, and each bucket's count. */
interface HoldHistogram {
  count: number;
  sum: number;
  /** Bucket bound (ms) → streams within it, in increasing order. */
  buckets: [number, number][];
}

async function holdsOn(base: string): Promise<HoldHistogram> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const value = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`serving cost: ${name} is not on /metrics`);
    return Number(line.split(' ').at(-1));
  };
  const buckets = [
    ...text.matchAll(new RegExp(`^${HOLD_METRIC}_bucket\\{le="([0-9.]+)"\\} (\\d+)$`, 'gm')),
  ].map((m): [number, number] => [Number(m[1]) * 1000, Number(m[2])]);
  return { count: value(`${HOLD_METRIC}_count`), sum: value(`${HOLD_METRIC}_sum`), buckets };
}

/** The streams that ended between two readings of the histogram: their longest holds. */
function longestHolds(before: HoldHistogram, after: HoldHistogram): LongestHolds {
  const count = after.count - before.count;
  const buckets = after.buckets.map(([le, n], i): [number, number] => [le, n - before.buckets[i]![1]]);
  const within = buckets.find(([le]) => le === HOLD_MS);
  if (!within) throw new Error(`serving cost: ${HOLD_METRIC} has no bucket at ${HOLD_MS} ms`);
  return {
    holdMeanMs: ((after.sum - before.sum) / count) * 1000,
    holdWithin: within[1] / count,
    holdAllWithinMs: buckets.find(([, n]) => n === count)?.[0] ?? Number.POSITIVE_INFINITY,
  };
}

/**
 * Runs `phase` on every side `rounds` times, each round in a rotated order (the sides go first in
 * turn), so a side is not measured only while the machine is slower; per side, the median of each
 * figure over its rounds, and the rounds themselves (per side, in round order).
 */
async function interleaved<T extends Record<string, number>>(
  what: string,
  sides: Side[],
  rounds: number,
  phase: (side: Side) => Promise<T>,
): Promise<{ medians: T[]; rounds: T[][] }> {
  const results: T[][] = sides.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < sides.length; k++) {
      const i = (k + round) % sides.length;
      process.stderr.write(`bench: serving cost, ${what}, round ${round + 1}/${rounds}, ${sides[i]!.name}\n`);
      results[i]!.push(await phase(sides[i]!));
    }
  }
  return { medians: results.map(medians), rounds: results };
}

/** Every figure for every side, phase by phase, the sides interleaved in each phase. */
async function measure<S extends Side[]>(
  sides: [...S],
  o: ServingCostOptions,
): Promise<{ [K in keyof S]: Figures }> {
  const burst = await interleaved('burst and low load', sides, BURST_ROUNDS, (side) => burstPhase(side, o));
  const paced = await interleaved('paced', sides, ROUNDS, (side) => pacedPhase(side, o));
  const open = await interleaved('open', sides, ROUNDS, (side) => openPhase(side, o));
  // Memory is measured once per side (with and without the cap): its spread is V8's young
  // generation, which the capped row takes out, more than the machine's speed.
  const idle = await interleaved('idle RSS', sides, 1, async (side) => ({
    rssPerIdle: await rssPerIdle(side, o.idleCount),
    rssPerIdleCapped: await rssPerIdle(side, o.idleCount, `--max-semi-space-size=${YOUNG_CAP_MIB}`),
    liveHeapPerIdle: await liveHeapPerIdle(side, o.idleCount),
  }));
  const figures = sides.map((_, i) => ({
    ...burst.medians[i]!,
    ...open.medians[i]!,
    ...idle.medians[i]!,
    paced: paced.medians[i]!,
    answersPerSecRounds: burst.rounds[i]!.map((r) => r.answersPerSec),
    pacedCpuRounds: paced.rounds[i]!.map((r) => r.cpuMsPerAnswer + r.storeCpuMsPerAnswer),
  }));
  return figures as { [K in keyof S]: Figures };
}

/** RSS growth per idle open stream, after a warm-up round (`nodeOptions`: the server's Node flags). */
function rssPerIdle(side: Side, count: number, nodeOptions?: string): Promise<number> {
  return growthPerIdle(side, count, async (server) => rssBytes(server.child.pid!), nodeOptions);
}

/**
 * How much `reading` of the server grows per idle open stream, read before and after `count`
 * streams are held, after a warm-up round of as many (opened, then closed), so the base includes
 * what any server grows once under load (the JIT's code, V8's young generation) and the figure
 * is per stream. As many as measured: after 1,000, V8 still grew the young generation while
 * measuring.
 */
function growthPerIdle(
  side: Side,
  count: number,
  reading: (server: SpawnedServer) => Promise<number>,
  nodeOptions?: string,
): Promise<number> {
  return withServer(
    side,
    'idle',
    0,
    async (server, url) => {
      const warm = await holdIdleStreams(`${url}&idle=1&warm=1`, count);
      await warm.release();
      await sleep(1000);
      const base = await reading(server);
      const held = await holdIdleStreams(`${url}&idle=1`, count);
      await sleep(1000);
      const perStream = ((await reading(server)) - base) / count;
      await held.release();
      return perStream;
    },
    nodeOptions,
  );
}

/** Where bench/live-heap.mjs writes a server's heap after a full collection. */
const LIVE_HEAP = join(tmpdir(), `tw-live-heap-${process.pid}`);
// Servers inherit the bench's environment (spawnListening): the preload finds the path there.
process.env.TW_LIVE_HEAP = LIVE_HEAP;

/** The server's used heap after a full collection (bytes; bench/live-heap.mjs). */
async function liveHeap(server: SpawnedServer): Promise<number> {
  return Number(await askPreload(server, LIVE_HEAP, 'live heap'));
}

/** The heap each idle open stream holds, after a full collection before and after holding them. */
function liveHeapPerIdle(side: Side, count: number): Promise<number> {
  return growthPerIdle(side, count, liveHeap, `--expose-gc --import ${join(ROOT, 'bench/live-heap.mjs')}`);
}

/** Holds as many idle streams as asked on one instance; how many were open at once. */
async function holdMany(side: Side, count: number): Promise<number> {
  process.stderr.write(`bench: holding ${count} idle streams, ${side.name}\n`);
  return withServer(side, 'idle', 0, async (_server, url) => {
    try {
      const held = await holdIdleStreams(`${url}&idle=1`, count, undefined, 1000);
      await held.release();
      return count;
    } catch (error) {
      process.stderr.write(`bench: holding ${count} streams failed: ${(error as Error).message}\n`);
      return 0;
    }
  });
}

export async function servingCostSection(o: ServingCostOptions): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tidewire-serving-cost-'));
  const redis = await startRedis();
  try {
    const [memory, viaRedis, plain] = await measure(
      [gatewaySide(dataDir), gatewaySide(dataDir, redis), plainSide],
      o,
    );
    // Last: 19,900 streams leave the machine slower for a while (sockets in TIME_WAIT, a large
    // database), which no measured phase should follow.
    const held = o.holdCount > 0 ? await holdMany(gatewaySide(dataDir), o.holdCount) : 0;
    return render({ memory, viaRedis, plain, held }, o);
  } finally {
    await redis.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface Measured {
  memory: Figures;
  viaRedis: Figures;
  plain: Figures;
  held: number;
}

function render({ memory, viaRedis, plain, held }: Measured, o: ServingCostOptions): string {
  const check = (ok: boolean) => (ok ? 'met' : '**missed**');
  const ratio = (a: number, b: number) => f(a / b, 2);
  /** A row of the two gateways against plain, each checked against `ok` (no check: reported). */
  const row = (what: string, show: (x: Figures) => string, target: string, ok?: (x: Figures) => boolean) =>
    `| ${what} | ${show(memory)} | ${show(viaRedis)} | ${show(plain)} | ${target} | ${
      ok ? `${check(ok(memory))} / ${check(ok(viaRedis))}` : 'reported'
    } |`;
  /** The gateway's figure within `factor` times plain's (at least, for `atLeast`), with the ratio. */
  const versus = (
    what: string,
    pick: (x: Figures) => number,
    digits: number,
    factor: number,
    atLeast = false,
  ) =>
    row(
      what,
      (x) => (x === plain ? f(pick(x), digits) : `${f(pick(x), digits)} (${ratio(pick(x), pick(plain))}x)`),
      `${atLeast ? '≥' : '≤'} ${factor}x plain`,
      (x) => (atLeast ? pick(x) >= factor * pick(plain) : pick(x) <= factor * pick(plain)),
    );
  const gapBound = 1000 / o.tokensPerSec + HOLD_MS;
  /** A gateway's figure over plain's of the same round, round by round. */
  const byRound = (x: Figures, pick: (x: Figures) => number[]) =>
    x === plain
      ? ''
      : pick(x)
          .map((v, i) => f(v / pick(plain)[i]!, 2))
          .join(' / ');
  const signed = (n: number, digits: number) => `${n < 0 ? '−' : '+'}${f(Math.abs(n), digits)}`;
  return [
    '## Serving cost with every feature on',
    '',
    `The gateway with the real defaults (a file SQLite database in a temporary directory, \`LOG_LEVEL=info\` to a pipe the bench drains, ` +
      'metrics on, rate and concurrency limits on with bounds that never refuse), once with the memory stream store and once with `REDIS_URL` set (a local redis-server), against plain node:http writing the same answer, in this run. ' +
      `Burst is measured in ${BURST_ROUNDS} rounds, paced and open in ${ROUNDS}, each round running the three servers one after another in a rotated order (they go first in turn), and every figure below is the median of its rounds: this machine's speed drifts by tens of percent within minutes, and a server measured only while it is slow would carry the drift (the rows "round by round" show how far). Idle RSS is measured once per server. ` +
      `Burst: ${o.concurrency} clients opening streams back to back for ${o.seconds} s, demo model unpaced; server CPU from /proc, and with \`REDIS_URL\` set redis-server's too (its CPU serves the gateway's streams alone in this bench). ` +
      `Idle: RSS growth over ${f(o.idleCount)} open streams, measured after a warm-up round of as many streams opened and closed (so JIT code and V8's grown young generation are in the base, for every server: after a round of 1,000, V8 still doubled a server's young generation to 64 MiB per semi-space during the measured window, a fixed step that showed as up to 13 KiB per stream at 5,000); measured twice, with Node's defaults and with every server started with \`--max-semi-space-size=${YOUNG_CAP_MIB}\`; and a third time as the heap used after a full collection (every server started with \`--expose-gc\` and bench/live-heap.mjs, which collects on a signal, before and after the streams are held): the RSS rows carry whatever garbage V8 has not collected yet, and whether it runs a full collection during the measured window moved one build's figure from 3.8 to 13.0 KiB per stream between runs. Open: time for one client to open ${f(o.openCount)} streams as fast as it can and read their first events, with at most ${f(OPEN_WINDOW)} being opened at any time (opening all at once, the client itself sent some requests 11 s after their connection was accepted, past the gateway's 10 s \`HEADERS_TIMEOUT_MS\`; a request answered 408 is sent again). ` +
      `Paced: ${f(o.pacedCount)} streams at ${o.tokensPerSec} tokens/s arriving over ${o.spreadMs / 1000} s, read to the end (the demo model reasons before it answers: its first \`reasoning\` event counts as its first output; plain sends no reasoning, so the gateway streams a few more tokens per answer), after a warm-up round of as many; each server also times, inside its own process, each request from its \`request\` event to its response head and to its first output's write to the socket (bench/head-timing.mjs, loaded with \`--import\`): three busy processes share two cores here (with Redis, four), and a first byte the client waited for long may have waited outside the server. The issue's "no delta held longer than the coalescing bound" is read from the gateway's \`/metrics\` before and after the measured round: per stream, the longest any of its text waited in the coalescer before it went into the log (\`tidewire_stream_longest_text_hold_seconds\`; timers and the model's tokens both come late when the event loop is busy, and the hold with them). Low load: ${o.latencyCount} streams one at a time, after a warm-up round of as many.`,
    '',
    '| figure | gateway, memory store | gateway, Redis store | plain node:http | target | this run (memory / Redis) |',
    '|---|---|---|---|---|---|',
    versus('burst answers/s', (x) => x.answersPerSec, 0, 0.9, true),
    row(
      'burst answers/s over plain’s of the same round, round by round',
      (x) => byRound(x, (y) => y.answersPerSecRounds),
      'none (the spread the medians above come from: within a round the servers run one after another)',
    ),
    row(
      'burst server CPU µs per answer',
      (x) => `${f(x.cpuUsPerAnswer)} (${ratio(x.cpuUsPerAnswer, plain.cpuUsPerAnswer)}x)`,
      'none',
    ),
    row(
      'burst: redis-server CPU µs per answer',
      (x) => (x === viaRedis ? f(x.storeCpuUsPerAnswer) : ''),
      'none (the Redis store’s own process: serving cost too)',
    ),
    row(
      'burst: server and redis-server CPU µs per answer',
      (x) => {
        const total = x.cpuUsPerAnswer + x.storeCpuUsPerAnswer;
        return `${f(total)} (${ratio(total, plain.cpuUsPerAnswer)}x)`;
      },
      'none',
    ),
    versus(`RSS per idle open stream, ${f(o.idleCount)} open (KiB)`, (x) => x.rssPerIdle / 1024, 1, 1.2),
    versus(
      `the same, young generation capped at ${YOUNG_CAP_MIB} MiB per semi-space for every server (KiB)`,
      (x) => x.rssPerIdleCapped / 1024,
      1,
      1.2,
    ),
    row(
      'the heap each idle open stream holds: used heap after a full collection, before and after holding them (KiB)',
      (x) => `${f(x.liveHeapPerIdle / 1024, 1)} (${ratio(x.liveHeapPerIdle, plain.liveHeapPerIdle)}x)`,
      'none (what the RSS rows hold of each stream without garbage; how much of the garbage they carry is when V8 collects)',
    ),
    versus('paced: server CPU ms per answer', (x) => x.paced.cpuMsPerAnswer, 2, 1.3),
    versus(
      'paced: server and redis-server CPU ms per answer (the memory store has no process of its own: as above)',
      (x) => x.paced.cpuMsPerAnswer + x.paced.storeCpuMsPerAnswer,
      2,
      1.3,
    ),
    row(
      'the same over plain’s of the same round, round by round',
      (x) => byRound(x, (y) => y.pacedCpuRounds),
      'none (as for burst)',
    ),
    versus('paced: first delta (or reasoning) p99 (ms)', (x) => x.paced.firstOutputP99, 1, 2),
    row(
      'paced: first byte (the response head) p99 (ms)',
      (x) => `${f(x.paced.firstByteP99, 1)} (${ratio(x.paced.firstByteP99, plain.paced.firstByteP99)}x)`,
      'none',
    ),
    row(
      'the same inside the server: its `request` event to its `writeHead`, p99 (ms)',
      (x) => f(x.paced.serverHeadP99, 1),
      'none (the rest of the first byte is spent before the server reads the request, or in the load client)',
    ),
    row(
      'inside the server: its `request` event to the first delta’s (or reasoning’s) write, p99 (ms)',
      (x) => f(x.paced.serverOutputP99, 1),
      'none (as for the head: the first output’s time at the client less this is spent outside the server)',
    ),
    row(
      'paced: each stream’s longest coalescing hold: mean (ms) / streams within the bound / every stream within (ms)',
      (x) =>
        x === plain
          ? ''
          : `${f(x.paced.holdMeanMs, 1)} / ${f(100 * x.paced.holdWithin, 1)}% / ${f(x.paced.holdAllWithinMs)}`,
      `no text held longer than the ${HOLD_MS} ms bound (\`DELTA_HOLD_MS\`)`,
      (x) => x.paced.holdWithin === 1,
    ),
    row(
      'paced: gap between output events p99 / max (ms)',
      (x) => `${f(x.paced.gapP99, 1)} / ${f(x.paced.gapMax, 1)}`,
      `p99 ≤ one token + the ${HOLD_MS} ms coalescing hold (${f(gapBound, 1)} ms)`,
      (x) => x.paced.gapP99 <= gapBound,
    ),
    row(
      'paced: gap p99 over plain’s, in this run (ms)',
      (x) => (x === plain ? '' : signed(x.paced.gapP99 - plain.paced.gapP99, 1)),
      `≤ the ${HOLD_MS} ms coalescing hold (plain’s gaps carry the same timers and client)`,
      (x) => x.paced.gapP99 - plain.paced.gapP99 <= HOLD_MS,
    ),
    versus(`time to open ${f(o.openCount)} streams (s)`, (x) => x.openSeconds, 2, 1.5),
    row(
      'of those, requests answered 408 and sent again',
      (x) => f(x.openRetried),
      'none (a server without the request within its header timeout answers 408; the client sends it again, within the time above)',
    ),
    row(
      'first delta at low load p50 (ms)',
      (x) =>
        x === plain
          ? f(x.firstDeltaP50, 2)
          : `${f(x.firstDeltaP50, 2)} (${signed(x.firstDeltaP50 - plain.firstDeltaP50, 2)})`,
      '≤ plain + 0.3 ms',
      (x) => x.firstDeltaP50 <= plain.firstDeltaP50 + 0.3,
    ),
    '',
    o.holdCount > 0
      ? `Idle streams held at once by one gateway (memory store): ${held > 0 ? f(held) : `**failed** to hold ${f(o.holdCount)}`} (target ${f(o.holdCount)}; this machine allows 20,000 file descriptors per process).`
      : 'Holding many idle streams at once: not run at this size.',
    '',
    'The gateway overhead on an upstream’s first token is in the providers section; the Redis store’s live reading with many followed streams is in the scale-out section.',
    '',
  ].join('\n');
}
