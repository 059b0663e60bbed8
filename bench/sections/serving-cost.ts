/**
 * Issue 11's benchmark: what serving costs with every feature on (the real defaults: a file
 * SQLite database, `LOG_LEVEL=info`, metrics on, limits on with bounds that never refuse),
 * against plain node:http writing the same answer, in the same run. Each row prints its
 * target and whether this run met it.
 * @module
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SpawnedServer, spawnGateway, spawnListening } from '../../testing/gateway.ts';
import { cpuSeconds, holdIdleStreams, rssBytes, runLoadClient } from '../proc.ts';
import { f } from './format.ts';

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
}

type Pace = 'burst' | 'idle' | 'paced';

interface Side {
  name: string;
  start(pace: Pace, tokensPerSec: number): Promise<SpawnedServer>;
  /** The stream's URL path (with a query, so `&n=` can follow). */
  path(pace: Pace, tokensPerSec: number): string;
}

const NEVER_REFUSE = {
  RATE_LIMIT_PER_MIN: '100000000',
  MAX_STREAMS_PER_USER: '100000000',
  MAX_CONNECTIONS_PER_IP: '100000000',
};

function gatewaySide(dataDir: string): Side {
  let run = 0;
  const tokens = (pace: Pace, tps: number) =>
    pace === 'burst' ? '0' : pace === 'idle' ? '0.05' : String(tps);
  return {
    name: 'tidewire gateway (file SQLite, LOG_LEVEL=info, metrics and limits on)',
    start: (pace, tps) =>
      spawnGateway({
        ...NEVER_REFUSE,
        DATABASE_URL: `sqlite:${join(dataDir, `tw-${run++}.db`)}`,
        LOG_LEVEL: 'info',
        METRICS_ENABLED: 'true',
        DEMO_TOKENS_PER_SEC: tokens(pace, tps),
      }),
    path: () => '/api/v1/stream/chat?q=Hello',
  };
}

const plainSide: Side = {
  name: 'plain node:http res.write',
  start: () => spawnListening('bench/yardsticks/plain-http.ts'),
  path: (pace, tps) => `/?q=Hello${pace === 'paced' ? `&tps=${tps}` : ''}`,
};

interface Figures {
  answersPerSec: number;
  cpuUsPerAnswer: number;
  rssPerIdle: number;
  openSeconds: number;
  paced: { cpuMsPerAnswer: number; firstDeltaP99: number; gapP99: number; gapMax: number };
  firstDeltaP50: number;
}

async function withServer<T>(
  side: Side,
  pace: Pace,
  tps: number,
  body: (s: SpawnedServer, url: string) => Promise<T>,
) {
  const server = await side.start(pace, tps);
  try {
    return await body(server, `${server.url}${side.path(pace, tps)}`);
  } finally {
    await server.stop();
  }
}

async function measure(side: Side, o: ServingCostOptions): Promise<Figures> {
  process.stderr.write(`bench: serving cost, ${side.name}\n`);
  const burst = await withServer(side, 'burst', 0, async (server, url) => {
    await runLoadClient(['latency', url, 20]);
    const low = await runLoadClient<{ firstDelta: { p50: number } }>(['latency', url, o.latencyCount]);
    const cpu0 = cpuSeconds(server.child.pid!);
    const tp = await runLoadClient<{ streams: number; seconds: number }>([
      'throughput',
      url,
      o.concurrency,
      o.seconds,
    ]);
    const cpu = cpuSeconds(server.child.pid!) - cpu0;
    return {
      firstDeltaP50: low.firstDelta.p50,
      answersPerSec: tp.streams / tp.seconds,
      cpuUsPerAnswer: (cpu / tp.streams) * 1e6,
    };
  });
  const idle = await withServer(side, 'idle', 0, async (server, url) => {
    await sleep(300);
    const base = rssBytes(server.child.pid!);
    const held = await holdIdleStreams(`${url}&idle=1`, o.idleCount);
    await sleep(1000);
    const rssPerIdle = (rssBytes(server.child.pid!) - base) / o.idleCount;
    await held.release();
    return rssPerIdle;
  });
  const openSeconds = await withServer(side, 'idle', 0, async (_server, url) => {
    const began = performance.now();
    const held = await holdIdleStreams(`${url}&idle=1`, o.openCount);
    const seconds = (performance.now() - began) / 1000;
    await held.release();
    return seconds;
  });
  const paced = await withServer(side, 'paced', o.tokensPerSec, async (server, url) => {
    const cpu0 = cpuSeconds(server.child.pid!);
    const r = await runLoadClient<{ firstDelta: { p99: number }; gap: { p99: number; max: number } }>([
      'arrivals',
      url,
      o.pacedCount,
      o.spreadMs,
    ]);
    const cpu = cpuSeconds(server.child.pid!) - cpu0;
    return {
      cpuMsPerAnswer: (cpu / o.pacedCount) * 1e3,
      firstDeltaP99: r.firstDelta.p99,
      gapP99: r.gap.p99,
      gapMax: r.gap.max,
    };
  });
  return { ...burst, rssPerIdle: idle, openSeconds, paced };
}

export async function servingCostSection(o: ServingCostOptions): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tidewire-serving-cost-'));
  try {
    const gw = await measure(gatewaySide(dataDir), o);
    const plain = await measure(plainSide, o);
    return render(gw, plain, o);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function render(gw: Figures, plain: Figures, o: ServingCostOptions): string {
  const check = (ok: boolean | undefined) => (ok === undefined ? 'reported' : ok ? 'met' : '**missed**');
  const ratio = (a: number, b: number) => f(a / b, 2);
  const row = (what: string, g: string, p: string, target: string, ok?: boolean) =>
    `| ${what} | ${g} | ${p} | ${target} | ${check(ok)} |`;
  return [
    '## Serving cost with every feature on',
    '',
    `The gateway with the real defaults (a file SQLite database in a temporary directory, \`LOG_LEVEL=info\` to a pipe the bench drains, ` +
      'metrics on, rate and concurrency limits on with bounds that never refuse) against plain node:http writing the same answer, in this run. ' +
      `Burst: ${o.concurrency} clients opening streams back to back for ${o.seconds} s, demo model unpaced; server CPU from /proc. ` +
      `Idle: RSS growth over ${f(o.idleCount)} open streams. Open: time for one client to open ${f(o.openCount)} streams and read their first events. ` +
      `Paced: ${f(o.pacedCount)} streams at ${o.tokensPerSec} tokens/s arriving over ${o.spreadMs / 1000} s, read to the end. Low load: ${o.latencyCount} streams one at a time.`,
    '',
    '| figure | gateway | plain node:http | target | this run |',
    '|---|---|---|---|---|',
    row(
      'burst answers/s',
      f(gw.answersPerSec),
      f(plain.answersPerSec),
      `≥ 0.9x plain (${ratio(gw.answersPerSec, plain.answersPerSec)}x)`,
      gw.answersPerSec >= 0.9 * plain.answersPerSec,
    ),
    row(
      'burst server CPU µs per answer',
      f(gw.cpuUsPerAnswer),
      f(plain.cpuUsPerAnswer),
      `none (${ratio(gw.cpuUsPerAnswer, plain.cpuUsPerAnswer)}x)`,
    ),
    row(
      `RSS per idle open stream, ${f(o.idleCount)} open`,
      `${f(gw.rssPerIdle / 1024, 1)} KiB`,
      `${f(plain.rssPerIdle / 1024, 1)} KiB`,
      `≤ 1.2x plain (${ratio(gw.rssPerIdle, plain.rssPerIdle)}x)`,
      gw.rssPerIdle <= 1.2 * plain.rssPerIdle,
    ),
    row(
      'paced: server CPU ms per answer',
      f(gw.paced.cpuMsPerAnswer, 2),
      f(plain.paced.cpuMsPerAnswer, 2),
      `≤ 1.3x plain (${ratio(gw.paced.cpuMsPerAnswer, plain.paced.cpuMsPerAnswer)}x)`,
      gw.paced.cpuMsPerAnswer <= 1.3 * plain.paced.cpuMsPerAnswer,
    ),
    row(
      'paced: first delta p99 (ms)',
      f(gw.paced.firstDeltaP99, 1),
      f(plain.paced.firstDeltaP99, 1),
      `≤ 2x plain (${ratio(gw.paced.firstDeltaP99, plain.paced.firstDeltaP99)}x)`,
      gw.paced.firstDeltaP99 <= 2 * plain.paced.firstDeltaP99,
    ),
    row(
      'paced: gap between deltas p99 / max (ms)',
      `${f(gw.paced.gapP99, 1)} / ${f(gw.paced.gapMax, 1)}`,
      `${f(plain.paced.gapP99, 1)} / ${f(plain.paced.gapMax, 1)}`,
      `p99 ≤ one token (${f(1000 / o.tokensPerSec, 1)} ms) + the 30 ms coalescing hold`,
      gw.paced.gapP99 <= 1000 / o.tokensPerSec + 30,
    ),
    row(
      `time to open ${f(o.openCount)} streams (s)`,
      f(gw.openSeconds, 2),
      f(plain.openSeconds, 2),
      `≤ 1.5x plain (${ratio(gw.openSeconds, plain.openSeconds)}x)`,
      gw.openSeconds <= 1.5 * plain.openSeconds,
    ),
    row(
      'first delta at low load p50 (ms)',
      f(gw.firstDeltaP50, 2),
      f(plain.firstDeltaP50, 2),
      `≤ plain + 0.3 ms (+${f(gw.firstDeltaP50 - plain.firstDeltaP50, 2)} ms)`,
      gw.firstDeltaP50 <= plain.firstDeltaP50 + 0.3,
    ),
    '',
    'Not measured in this section: the gateway overhead on an upstream’s first token (see the provider latency section) and the same figures with `REDIS_URL` set.',
    '',
  ].join('\n');
}
