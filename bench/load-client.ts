/**
 * The SSE load client (node:http), run in its own process so it never shares an event loop
 * with a server. Modes (argv[2]), as in load-modes.ts:
 *   throughput URL CONCURRENCY SECONDS  streams back to back; counts frames and bytes
 *   latency URL COUNT                   one stream at a time; time to first byte and first delta
 *   idle URL COUNT [MIN]                opens COUNT streams, waits for their first MIN (3) frames,
 *                                       holds them until stdin closes
 * and one of its own:
 *   arrivals URL COUNT SPREAD_MS        opens COUNT streams evenly over SPREAD_MS and reads them to
 *                                       the end; time to each stream's first output event (`delta` or
 *                                       `reasoning`) and the gaps between output events
 *   follow URL COUNT OTHER_BASE         starts COUNT streams at URL (one instance), leaves each once
 *                                       its id is known (the generation goes on), and follows each
 *                                       from another instance (OTHER_BASE/api/v1/streams/ID); once
 *                                       each has 3 frames there, prints `{"ready":COUNT}` and holds
 *                                       them until stdin closes (instances sharing one Redis)
 * Prints one JSON line with the result. `n` (the stream's number) makes each URL unique.
 * @module
 */
import { Agent, type ClientRequest, request } from 'node:http';
import { createHistogram, performance } from 'node:perf_hooks';
import { createParser } from '@tidewire/protocol';
import {
  type Connection,
  LOCAL_ADDRESS,
  percentiles,
  recordMs,
  runLoadMain,
  type StreamOptions,
  type StreamResult,
} from './load-modes.ts';

const agent = new Agent({
  keepAlive: true,
  maxSockets: Number.POSITIVE_INFINITY,
  localAddress: LOCAL_ADDRESS,
});
const LF = 0x0a;

const numbered = (url: string, n: number) => `${url}${url.includes('?') ? '&' : '?'}n=${n}`;

/**
 * Opens one stream; resolves when it ends. `onOutput` is called at every event of the model's
 * output (`delta`, `reasoning`), with the time since the request began.
 */
function openStream(
  url: string,
  options: StreamOptions & { onOutput?: (msSinceStart: number) => void } = {},
  onRequest?: (req: ClientRequest) => void,
): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const result: StreamResult = { firstByteMs: 0, firstDeltaMs: 0, events: 0, bytes: 0 };
    const parser =
      options.timeFirstDelta || options.onOutput
        ? createParser({
            onEvent(e) {
              if (e.event !== 'delta' && e.event !== 'reasoning') return;
              const at = performance.now() - began;
              if (e.event === 'delta' && result.firstDeltaMs === 0) result.firstDeltaMs = at;
              options.onOutput?.(at);
            },
          })
        : undefined;
    const req = request(url, { agent }, (res) => {
      result.firstByteMs = performance.now() - began;
      result.status = res.statusCode;
      let lastByte = 0;
      res.on('data', (chunk: Buffer) => {
        result.bytes += chunk.length;
        // Frames end with a blank line; JSON data has no raw newline, so "\n\n" counts frames.
        for (let i = 0; i < chunk.length; i++) {
          const byte = chunk[i]!;
          if (byte === LF && lastByte === LF) result.events++;
          lastByte = byte;
        }
        parser?.feed(chunk);
        options.onEvents?.(result.events);
      });
      res.on('end', () => resolve(result));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
    onRequest?.(req);
  });
}

/** A "connection" over HTTP: the shared keep-alive agent, and the requests it has open. */
async function connect(url: string): Promise<Connection> {
  const open = new Set<ClientRequest>();
  return {
    stream: (n, options) =>
      openStream(numbered(url, n), options, (req) => {
        open.add(req);
        req.once('close', () => open.delete(req));
      }),
    close: () => {
      for (const req of open) req.destroy();
    },
  };
}

/** Streams arriving evenly over `spreadMs`, each read to its end (a realistic burst of users). */
async function arrivals(url: string, count: number, spreadMs: number) {
  const firstByte = createHistogram();
  const firstOutput = createHistogram();
  const gap = createHistogram();
  const began = performance.now();
  const streams = Array.from({ length: count }, async (_, i) => {
    const due = began + (spreadMs * i) / count;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    let last = -1;
    const result = await openStream(numbered(url, i), {
      onOutput(at) {
        if (last >= 0) recordMs(gap, at - last);
        else recordMs(firstOutput, at);
        last = at;
      },
    });
    if (result.firstByteMs !== undefined) recordMs(firstByte, result.firstByteMs);
  });
  await Promise.all(streams);
  return {
    streams: count,
    seconds: (performance.now() - began) / 1000,
    firstByte: percentiles(firstByte),
    firstOutput: percentiles(firstOutput),
    gap: { ...percentiles(gap), max: gap.max / 1000 },
  };
}

/** Starts a stream at `url` and leaves it once its id is known (the `X-Stream-Id` header). */
function startAndLeave(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      const id = res.headers['x-stream-id'];
      req.destroy();
      if (res.statusCode === 200 && typeof id === 'string') resolve(id);
      else reject(new Error(`start answered ${res.statusCode}`));
    });
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    req.end();
  });
}

/** Streams started at `url`, each followed from `otherBase`; held as `idle` holds its streams. */
async function follow(url: string, count: number, otherBase: string, wave = 500) {
  const held: Connection[] = [];
  for (let from = 0; from < count; from += wave) {
    const opened = await Promise.all(
      Array.from({ length: Math.min(wave, count - from) }, async (_, k) => {
        const id = await startAndLeave(numbered(url, from + k));
        const connection = await connect(`${otherBase}/api/v1/streams/${id}?after=0`);
        await new Promise<void>((resolve, reject) => {
          connection.stream(from + k, { onEvents: (n) => n >= 3 && resolve() }).catch(reject);
        });
        return connection;
      }),
    );
    held.push(...opened);
  }
  process.stdout.write(`${JSON.stringify({ ready: held.length })}\n`);
  await new Promise((resolve) => process.stdin.once('close', resolve).resume());
  for (const connection of held) connection.close();
  return { followed: held.length };
}

await runLoadMain({
  connect,
  extraModes: {
    arrivals: (url, a, b) => arrivals(url, Number(a), Number(b)),
    follow: (url, a, b) => follow(url, Number(a), b!),
  },
  finish: () => agent.destroy(),
});
