/**
 * Issue 13's benchmark: the WebSocket transport against SSE on the same gateway and run, with
 * load clients of the same make (node:http for SSE, `ws` for the WebSocket) in their own
 * processes: events/s at burst (demo model unpaced), first-delta latency at low load, server
 * memory per idle connection; and how long the `auto` client takes to notice a proxy that
 * buffers (or refuses) event streams and continue on the WebSocket.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SSEConsumer } from '@tidewire/client';
import { type EventStreamMode, startEventStreamProxy } from '../../testing/event-stream-proxy.ts';
import { type SpawnedServer, spawnGateway } from '../../testing/gateway.ts';
import { cpuSeconds, holdIdleStreams, rssBytes, runLoadClient, WS_LOAD_CLIENT } from '../proc.ts';
import { f } from './format.ts';

export interface WebSocketOptions {
  latencyCount: number;
  concurrency: number;
  seconds: number;
  idleCount: number;
  /** `auto` runs through each proxy. */
  switches: number;
}

interface Row {
  name: string;
  firstDelta: { p50: number; p99: number };
  eventsPerSec: number;
  cpuPerMillion: number;
  idleBytes: number;
}

interface Transport {
  name: string;
  url: (server: SpawnedServer) => string;
  client?: string;
}

const TRANSPORTS: Transport[] = [
  { name: 'SSE (node:http client)', url: (s) => `${s.url}/api/v1/stream/chat?q=Hello` },
  {
    name: 'WebSocket (ws client)',
    url: (s) => `${s.url.replace('http', 'ws')}/api/v1/ws`,
    client: WS_LOAD_CLIENT,
  },
];

async function measure(transport: Transport, options: WebSocketOptions): Promise<Row> {
  let server = await spawnGateway({ DEMO_TOKENS_PER_SEC: '0', RATE_LIMIT_PER_MIN: '0' });
  const url = transport.url(server);
  await runLoadClient(['latency', url, 10], transport.client);
  const lat = await runLoadClient<{ firstDelta: Row['firstDelta'] }>(
    ['latency', url, options.latencyCount],
    transport.client,
  );
  const cpu0 = cpuSeconds(server.child.pid!);
  const tp = await runLoadClient<{ frames: number; seconds: number }>(
    ['throughput', url, options.concurrency, options.seconds],
    transport.client,
  );
  const cpu = cpuSeconds(server.child.pid!) - cpu0;
  await server.stop();

  server = await spawnGateway({ DEMO_TOKENS_PER_SEC: '0.05' });
  await sleep(300);
  const base = rssBytes(server.child.pid!);
  const held = await holdIdleStreams(
    transport.client ? transport.url(server) : `${transport.url(server)}&idle=1`,
    options.idleCount,
    transport.client,
  );
  await sleep(1000);
  const idleBytes = (rssBytes(server.child.pid!) - base) / options.idleCount;
  await held.release();
  await server.stop();
  return {
    name: transport.name,
    firstDelta: lat.firstDelta,
    eventsPerSec: tp.frames / tp.seconds,
    cpuPerMillion: (cpu / tp.frames) * 1e6,
    idleBytes,
  };
}

interface SwitchTimes {
  /** From `connect()` to the WebSocket streaming. */
  switchMs: number[];
  /** From `connect()` to the first delta handled. */
  firstDeltaMs: number[];
}

/** `auto` clients through a proxy in `mode`, each on a fresh origin (nothing remembered). */
async function switchTimes(mode: EventStreamMode, runs: number): Promise<SwitchTimes> {
  const server = await spawnGateway({ DEMO_TOKENS_PER_SEC: '40' });
  const times: SwitchTimes = { switchMs: [], firstDeltaMs: [] };
  for (let i = 0; i < runs; i++) {
    const proxy = await startEventStreamProxy(server.url, mode);
    const began = performance.now();
    let firstDelta = 0;
    const consumer = new SSEConsumer(`${proxy.url}/api/v1/stream/chat`, {
      body: { q: `switch ${mode} ${i}` },
      rememberTransportMs: 0,
      onStateChange: (state, info) => {
        if (state === 'streaming' && info.transport === 'websocket')
          times.switchMs.push(performance.now() - began);
      },
      onDelta: () => {
        if (firstDelta === 0) firstDelta = performance.now() - began;
        consumer.close();
      },
    });
    await consumer.connect();
    times.firstDeltaMs.push(firstDelta);
    await proxy.close();
  }
  await server.stop();
  return times;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

export async function webSocketSection(options: WebSocketOptions): Promise<string> {
  const rows: Row[] = [];
  for (const transport of TRANSPORTS) {
    process.stderr.write(`bench: ${transport.name}\n`);
    rows.push(await measure(transport, options));
  }
  process.stderr.write('bench: auto through a buffering and a refusing proxy\n');
  const buffered = await switchTimes('buffer', options.switches);
  const refused = await switchTimes('refuse', options.switches);
  const lines = [
    '## WebSocket transport against SSE',
    '',
    `The same gateway, demo question "Hello", one load-client process per transport. Burst: ${options.concurrency} clients ` +
      `starting streams back to back for ${options.seconds} s, demo model unpaced (the WebSocket client keeps one socket per ` +
      `client and starts its streams on it). First delta: ${options.latencyCount} streams one at a time. Idle: server RSS ` +
      `growth per connection with ${f(options.idleCount)} open (model paced at 0.05 tokens/s; one stream per socket).`,
    '',
    '| transport | events/s at burst | CPU s per 1M events | first delta p50 / p99 (ms) | RSS per idle connection |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${f(r.eventsPerSec)} | ${f(r.cpuPerMillion, 2)} | ${f(r.firstDelta.p50, 2)} / ${f(r.firstDelta.p99, 2)} | ${f(r.idleBytes / 1024, 1)} KiB |`,
    ),
    '',
    `\`auto\` (SSEConsumer defaults, \`bufferingTimeout\` 1000 ms) through a proxy that breaks event streams, model at 40 tokens/s, ` +
      `${options.switches} runs each, medians: from \`connect()\` to streaming on the WebSocket, and to the first delta handled.`,
    '',
    '| proxy | to the WebSocket (ms) | to the first delta (ms) |',
    '|---|---|---|',
    `| buffers event streams until they end | ${f(median(buffered.switchMs))} | ${f(median(buffered.firstDeltaMs))} |`,
    `| refuses event streams (502) | ${f(median(refused.switchMs))} | ${f(median(refused.firstDeltaMs))} |`,
    '',
    'A buffering proxy is noticed when no event arrives within `bufferingTimeout` of the request (the gateway sends ' +
      '`hello` at once), so the switch costs about that bound; a refusal is noticed at its response.',
    '',
  ];
  return lines.join('\n');
}
