/**
 * Issue 9's benchmark row: `@tidewire/server` on its own (the engine behind `node:http`, no
 * gateway: no auth, limits, conversations or metrics) against plain `node:http` `res.write`,
 * both sending the same events, in the same run, measured by the same load client. It shows
 * what the engine costs an app that mounts it, apart from what the gateway adds.
 * @module
 */
import { spawnListening } from '../../testing/gateway.ts';
import { cpuSeconds, runLoadClient } from '../proc.ts';
import { f } from './format.ts';

export interface EngineOnlyOptions {
  concurrency: number;
  seconds: number;
  latencyCount: number;
}

const SERVERS = [
  { name: '@tidewire/server engine on node:http', script: 'bench/yardsticks/engine-only.ts' },
  { name: 'plain node:http res.write', script: 'bench/yardsticks/plain-http.ts' },
];

interface Row {
  name: string;
  answersPerSec: number;
  cpuMicrosPerAnswer: number;
  firstByteP50: number;
}

async function measure(name: string, script: string, options: EngineOnlyOptions): Promise<Row> {
  const server = await spawnListening(script);
  try {
    const url = `${server.url}/?q=Hello`;
    await runLoadClient(['latency', url, 20]);
    const latency = await runLoadClient<{ ttfb: { p50: number } }>(['latency', url, options.latencyCount]);
    const cpu0 = cpuSeconds(server.child.pid!);
    const load = await runLoadClient<{ streams: number; seconds: number }>([
      'throughput',
      url,
      options.concurrency,
      options.seconds,
    ]);
    const cpu = cpuSeconds(server.child.pid!) - cpu0;
    return {
      name,
      answersPerSec: load.streams / load.seconds,
      cpuMicrosPerAnswer: (cpu / load.streams) * 1e6,
      firstByteP50: latency.ttfb.p50,
    };
  } finally {
    await server.stop();
  }
}

export async function engineOnlySection(options: EngineOnlyOptions): Promise<string> {
  const rows: Row[] = [];
  for (const server of SERVERS) {
    process.stderr.write(`bench: ${server.name}\n`);
    rows.push(await measure(server.name, server.script, options));
  }
  const [engine, plain] = rows as [Row, Row];
  return [
    '## The engine alone: @tidewire/server against plain node:http',
    '',
    'Both servers send the same events for the demo question "Hello" (hello, start, one delta per token, metadata, done); ' +
      'the engine runs behind `createNodeHandlers` with the memory store and a types-only vocabulary, no gateway. ' +
      `Throughput: ${options.concurrency} concurrent clients opening streams back to back for ${options.seconds} s. ` +
      `First byte: ${options.latencyCount} streams one at a time.`,
    '',
    '| server | answers/s | server CPU µs per answer | first byte p50 (ms) |',
    '|---|---:|---:|---:|',
    ...rows.map(
      (r) => `| ${r.name} | ${f(r.answersPerSec)} | ${f(r.cpuMicrosPerAnswer)} | ${f(r.firstByteP50, 2)} |`,
    ),
    '',
    `The engine gives ${f((engine.answersPerSec / plain.answersPerSec) * 100)}% of plain node:http's answers/s and spends ` +
      `${f(engine.cpuMicrosPerAnswer - plain.cpuMicrosPerAnswer)} µs more server CPU per answer: its ids, its replayable log, ` +
      'its heartbeats and its bounds on unsent bytes.',
    '',
  ].join('\n');
}
