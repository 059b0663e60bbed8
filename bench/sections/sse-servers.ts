/**
 * Issue 2's benchmark: the gateway against three yardstick servers that send the same
 * events (plain node:http, better-sse, Hono streamSSE), measured by the same load client:
 * latency at low load, throughput with the demo model unpaced, CPU per million events,
 * and resident memory per idle stream.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type SpawnedServer, spawnGateway, spawnListening } from '../../testing/gateway.ts';
import { cpuSeconds, holdIdleStreams, rssBytes, runLoadClient } from '../proc.ts';
import { f } from './format.ts';

interface ServerSpec {
  name: string;
  start(idle: boolean): Promise<SpawnedServer>;
  path: string;
}

const SERVERS: ServerSpec[] = [
  {
    name: 'tidewire gateway (deltas coalesced, default)',
    start: (idle) => spawnGateway({ DEMO_TOKENS_PER_SEC: idle ? '0.05' : '0' }),
    path: '/api/v1/stream/chat?q=Hello',
  },
  {
    name: 'tidewire gateway (one delta per token)',
    start: (idle) => spawnGateway({ DEMO_TOKENS_PER_SEC: idle ? '0.05' : '0', DELTA_COALESCE_WORDS: '1' }),
    path: '/api/v1/stream/chat?q=Hello',
  },
  {
    name: 'tidewire gateway (one delta per token, metrics off)',
    start: (idle) =>
      spawnGateway({
        DEMO_TOKENS_PER_SEC: idle ? '0.05' : '0',
        DELTA_COALESCE_WORDS: '1',
        METRICS_ENABLED: 'false',
      }),
    path: '/api/v1/stream/chat?q=Hello',
  },
  {
    name: 'plain node:http res.write',
    start: () => spawnListening('bench/yardsticks/plain-http.ts'),
    path: '/?q=Hello',
  },
  {
    name: 'better-sse 0.16',
    start: () => spawnListening('bench/yardsticks/better-sse.ts'),
    path: '/?q=Hello',
  },
  {
    name: 'hono 4 streamSSE',
    start: () => spawnListening('bench/yardsticks/hono-sse.ts'),
    path: '/?q=Hello',
  },
];

export interface SseOptions {
  latencyCount: number;
  concurrency: number;
  seconds: number;
  idleCounts: [number, number];
}

interface Row {
  name: string;
  ttfb: { p50: number; p99: number };
  firstDelta: { p50: number; p99: number };
  eventsPerSec: number;
  answersPerSec: number;
  mbPerSec: number;
  cpuPerMillion: number;
  idle: number[];
}

async function measure(spec: ServerSpec, options: SseOptions): Promise<Row> {
  let server = await spec.start(false);
  const url = `${server.url}${spec.path}`;
  await runLoadClient(['latency', url, 20]);
  const lat = await runLoadClient<{ ttfb: Row['ttfb']; firstDelta: Row['firstDelta'] }>([
    'latency',
    url,
    options.latencyCount,
  ]);
  const cpu0 = cpuSeconds(server.child.pid!);
  const tp = await runLoadClient<{ frames: number; bytes: number; streams: number; seconds: number }>([
    'throughput',
    url,
    options.concurrency,
    options.seconds,
  ]);
  const cpu = cpuSeconds(server.child.pid!) - cpu0;
  await server.stop();

  server = await spec.start(true);
  const idleUrl = `${server.url}${spec.path}&idle=1`;
  await sleep(300);
  const base = rssBytes(server.child.pid!);
  const idle: number[] = [];
  const held: { release: () => Promise<void> }[] = [];
  let open = 0;
  for (const target of options.idleCounts) {
    held.push(await holdIdleStreams(idleUrl, target - open));
    open = target;
    await sleep(1000);
    idle.push((rssBytes(server.child.pid!) - base) / open);
  }
  for (const h of held) await h.release();
  await server.stop();
  return {
    name: spec.name,
    ...lat,
    eventsPerSec: tp.frames / tp.seconds,
    answersPerSec: tp.streams / tp.seconds,
    mbPerSec: tp.bytes / tp.seconds / 1e6,
    cpuPerMillion: (cpu / tp.frames) * 1e6,
    idle,
  };
}

export async function sseServersSection(options: SseOptions): Promise<string> {
  const rows: Row[] = [];
  for (const spec of SERVERS) {
    process.stderr.write(`bench: ${spec.name}\n`);
    rows.push(await measure(spec, options));
  }
  const [n1, n2] = options.idleCounts;
  const lines = [
    '## SSE serving: gateway against yardsticks',
    '',
    `Every server sends the same events for the demo question "Hello" (hello, start, the answer's tokens as deltas, metadata, done). ` +
      `Latency: ${options.latencyCount} streams one at a time (low load). Throughput: ${options.concurrency} concurrent clients opening streams back to back for ${options.seconds} s, ` +
      `demo model unpaced. Idle memory: server RSS growth divided by the number of open idle streams (the gateway's demo model paced at 0.05 tokens/s, so its generations stay alive; yardsticks hold the connection after the first delta).`,
    '',
    `| server | first byte p50 / p99 (ms) | first delta p50 / p99 (ms) | events/s | answers/s | MB/s | CPU s per 1M events | RSS per idle stream, ${f(n1)} open | RSS per idle stream, ${f(n2)} open |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${f(r.ttfb.p50, 2)} / ${f(r.ttfb.p99, 2)} | ${f(r.firstDelta.p50, 2)} / ${f(r.firstDelta.p99, 2)} | ${f(r.eventsPerSec)} | ${f(r.answersPerSec)} | ${f(r.mbPerSec, 1)} | ${f(r.cpuPerMillion, 2)} | ${f(r.idle[0]! / 1024, 1)} KiB | ${f(r.idle[1]! / 1024, 1)} KiB |`,
    ),
    '',
  ];
  lines.push(...verdicts(rows));
  return lines.join('\n');
}

function verdicts(rows: Row[]): string[] {
  const gateway = rows[0]!;
  const perToken = rows[1]!;
  const plain = rows.find((r) => r.name.startsWith('plain'))!;
  const libraries = rows.filter((r) => r.name.startsWith('better') || r.name.startsWith('hono'));
  const fastestLib = libraries.reduce((a, b) => (a.answersPerSec > b.answersPerSec ? a : b));
  const memRatio = gateway.idle[1]! / plain.idle[1]!;
  const out = ['### Targets', ''];
  const check = (ok: boolean) => (ok ? 'met' : '**missed**');
  out.push(
    `- Throughput at least the fastest library yardstick (${fastestLib.name}: ${f(fastestLib.answersPerSec)} answers/s, ${f(fastestLib.eventsPerSec)} events/s), ` +
      `the same events per answer: gateway with one delta per token ${f(perToken.answersPerSec)} answers/s, ${f(perToken.eventsPerSec)} events/s ` +
      `(coalesced by default: ${f(gateway.answersPerSec)} answers/s) — ${check(perToken.answersPerSec >= fastestLib.answersPerSec)}.`,
    `- Memory per idle stream within 1.5x plain node:http: ${f(gateway.idle[1]! / 1024, 1)} KiB vs ${f(plain.idle[1]! / 1024, 1)} KiB = ${f(memRatio, 2)}x — ${check(memRatio <= 1.5)}.`,
    `- Metrics cost (one delta per token, metrics on vs off): ${f(perToken.eventsPerSec)} vs ${f(rows[2]!.eventsPerSec)} events/s, ` +
      `${f(perToken.cpuPerMillion, 2)} vs ${f(rows[2]!.cpuPerMillion, 2)} CPU s per million events.`,
    `- First byte under 2 ms p50 at low load: ${f(gateway.ttfb.p50, 2)} ms — ${check(gateway.ttfb.p50 < 2)}.`,
    '',
    'Why the gateway costs more per answer and per idle stream than the yardsticks: they only write the same ' +
      'events to a socket, while for every stream the gateway also parses and checks the request, applies the ' +
      'limits, stores the question and the answer in SQLite (node:sqlite runs on the main thread), keeps the ' +
      'stream in a replayable log, runs the generation through an async model interface, and counts metrics. ' +
      'Per idle stream it holds the log, the running generation (a timer and its abort signal), the answer ' +
      'recorder and the request state; the yardsticks hold a socket. Per event it spends more CPU as well ' +
      "(the table's CPU s per million events): each token crosses the async model interface, the coalescer " +
      'and the log before it is written.',
    '',
  );
  return out;
}
