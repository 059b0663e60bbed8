/**
 * Issue 15's benchmark: what keeping stream logs on disk costs. One gateway per stream store
 * (memory, durable, Redis), measured by the same load client: answers/s with the demo model
 * unpaced, first-delta latency at low load, resident memory per idle stream, and bytes written
 * to storage per answer. The lead picks the embedded default (`STREAM_STORE`) from these rows.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnGateway } from '../../testing/gateway.ts';
import { startRedis } from '../../testing/redis.ts';
import { cpuSeconds, diskWriteBytes, holdIdleStreams, rssBytes, runLoadClient } from '../proc.ts';
import { f } from './format.ts';

export interface StoresOptions {
  latencyCount: number;
  concurrency: number;
  seconds: number;
  idleCount: number;
}

interface Row {
  name: string;
  answersPerSec: number;
  eventsPerSec: number;
  cpuPerAnswerMs: number;
  firstDelta: { p50: number; p99: number };
  idlePerStream: number;
  writtenPerAnswer: number;
  /** Redis's memory growth per answer over the throughput run (the Redis store only). */
  redisPerAnswer?: number;
}

const PATH = '/api/v1/stream/chat?q=Hello';

/** redis-server's `used_memory` (bytes), read with redis-cli. */
function redisUsedMemory(port: number): number {
  const info = execFileSync('redis-cli', ['-p', String(port), 'INFO', 'memory'], { encoding: 'utf8' });
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

async function measure(
  name: string,
  env: Record<string, string>,
  options: StoresOptions,
  redisPort?: number,
): Promise<Row> {
  let server = await spawnGateway({ ...env, DEMO_TOKENS_PER_SEC: '0' });
  const url = `${server.url}${PATH}`;
  // As many warm-up streams as measured ones: low load is measured in the steady state (see serving-cost.ts).
  await runLoadClient(['latency', `${url}&warm=1`, options.latencyCount]);
  const lat = await runLoadClient<{ firstDelta: Row['firstDelta'] }>(['latency', url, options.latencyCount]);
  const pid = server.child.pid!;
  const [cpu0, written0] = [cpuSeconds(pid), diskWriteBytes(pid)];
  const redis0 = redisPort === undefined ? 0 : redisUsedMemory(redisPort);
  const tp = await runLoadClient<{ frames: number; streams: number; seconds: number }>([
    'throughput',
    url,
    options.concurrency,
    options.seconds,
  ]);
  const [cpu, written] = [cpuSeconds(pid) - cpu0, diskWriteBytes(pid) - written0];
  const redisGrowth = redisPort === undefined ? undefined : redisUsedMemory(redisPort) - redis0;
  await server.stop();

  server = await spawnGateway({ ...env, DEMO_TOKENS_PER_SEC: '0.05' });
  await sleep(300);
  const base = rssBytes(server.child.pid!);
  const held = await holdIdleStreams(`${server.url}${PATH}&idle=1`, options.idleCount);
  await sleep(1000);
  const idlePerStream = (rssBytes(server.child.pid!) - base) / options.idleCount;
  await held.release();
  await server.stop();
  return {
    name,
    answersPerSec: tp.streams / tp.seconds,
    eventsPerSec: tp.frames / tp.seconds,
    cpuPerAnswerMs: (cpu / tp.streams) * 1000,
    firstDelta: lat.firstDelta,
    idlePerStream,
    writtenPerAnswer: written / tp.streams,
    ...(redisGrowth === undefined ? {} : { redisPerAnswer: redisGrowth / tp.streams }),
  };
}

export async function storesSection(options: StoresOptions): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tidewire-bench-stores-'));
  const redis = await startRedis();
  const stores: { name: string; env: Record<string, string>; redisPort?: number }[] = [
    { name: 'memory', env: { STREAM_STORE: 'memory' } },
    {
      name: 'durable (SQLite file)',
      env: { STREAM_STORE: 'durable', STREAM_STORE_PATH: join(dir, 'streams.db') },
    },
    { name: 'Redis (local redis-server)', env: { REDIS_URL: redis.url }, redisPort: redis.port },
  ];
  const rows: Row[] = [];
  try {
    for (const store of stores) {
      process.stderr.write(`bench: stores, ${store.name}\n`);
      rows.push(await measure(store.name, store.env, options, store.redisPort));
      rmSync(join(dir, 'streams.db'), { force: true });
    }
  } finally {
    await redis.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return [
    '## Stream stores: memory, durable, Redis',
    '',
    `One gateway per store (conversations in SQLite in memory, so the disk writes are the store's). ` +
      `Throughput: ${options.concurrency} concurrent clients opening streams back to back for ${options.seconds} s, demo model unpaced, deltas coalesced. ` +
      `First delta: ${options.latencyCount} streams one at a time, after a warm-up round of as many. Idle memory: RSS growth over ${f(options.idleCount)} open streams paced at 0.05 tokens/s, divided by their number. ` +
      "Disk: bytes the gateway process sent to storage (/proc/PID/io write_bytes) during the throughput run, per answer (Redis's own writes are redis-server's, not counted).",
    '',
    '| store | answers/s | events/s | CPU ms per answer | first delta p50 / p99 (ms) | RSS per idle stream | written to disk per answer |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${f(r.answersPerSec)} | ${f(r.eventsPerSec)} | ${f(r.cpuPerAnswerMs, 2)} | ${f(r.firstDelta.p50, 2)} / ${f(r.firstDelta.p99, 2)} | ${f(r.idlePerStream / 1024, 1)} KiB | ${f(r.writtenPerAnswer / 1024, 1)} KiB |`,
    ),
    '',
    ...rows
      .filter((r) => r.redisPerAnswer !== undefined)
      .map(
        (r) =>
          `Redis kept ${f(r.redisPerAnswer! / 1024, 1)} KiB per answer of the throughput run (growth of redis-server's \`used_memory\` over the run, divided by its answers, which Redis keeps for their retention time: each answer's log, info and keys).`,
      ),
    '',
  ].join('\n');
}
