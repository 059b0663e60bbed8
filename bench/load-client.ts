/**
 * The load client, run in its own process so it never shares an event loop with a server.
 * Modes (argv[2]):
 *   throughput URL CONCURRENCY SECONDS  streams back to back; counts frames and bytes
 *   latency URL COUNT                   one stream at a time; time to first byte and first delta
 *   idle URL COUNT                      opens COUNT streams, waits for their first events, holds
 *                                       them until stdin closes
 *   arrivals URL COUNT SPREAD_MS        opens COUNT streams evenly over SPREAD_MS and reads them to
 *                                       the end; time to each stream's first output event (`delta` or
 *                                       `reasoning`) and the gaps between output events
 * Prints one JSON line with the result.
 * @module
 */
import { Agent, request } from 'node:http';
import { createHistogram, performance } from 'node:perf_hooks';
import { createParser } from '@tidewire/protocol';

const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const DOUBLE_LF = 0x0a;

interface Opened {
  headersAt: number;
  firstDeltaAt: number;
  frames: number;
  bytes: number;
}

/** Opens one stream; resolves when it ends. `onFrames` sees each frame count increase. */
function openStream(
  url: string,
  options: {
    parseFirstDelta?: boolean;
    onFirstFrames?: (n: number) => void;
    keepOpen?: boolean;
    /** Called at every event of the model's output (`delta`, `reasoning`), with the time since the request began. */
    onOutput?: (msSinceStart: number) => void;
  } = {},
): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const result: Opened = { headersAt: 0, firstDeltaAt: 0, frames: 0, bytes: 0 };
    const parser =
      options.parseFirstDelta || options.onOutput
        ? createParser({
            onEvent(e) {
              if (e.event !== 'delta' && e.event !== 'reasoning') return;
              const at = performance.now() - began;
              if (e.event === 'delta' && result.firstDeltaAt === 0) result.firstDeltaAt = at;
              options.onOutput?.(at);
            },
          })
        : undefined;
    const req = request(url, { agent }, (res) => {
      result.headersAt = performance.now() - began;
      let lastByte = 0;
      res.on('data', (chunk: Buffer) => {
        result.bytes += chunk.length;
        // Frames end with a blank line; JSON data has no raw newline, so "\n\n" counts frames.
        for (let i = 0; i < chunk.length; i++) {
          const byte = chunk[i]!;
          if (byte === DOUBLE_LF && lastByte === DOUBLE_LF) result.frames++;
          lastByte = byte;
        }
        parser?.feed(chunk);
        options.onFirstFrames?.(result.frames);
      });
      res.on('end', () => resolve(result));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function throughput(url: string, concurrency: number, seconds: number) {
  const until = performance.now() + seconds * 1000;
  let frames = 0;
  let bytes = 0;
  let streams = 0;
  let n = 0;
  const worker = async () => {
    while (performance.now() < until) {
      const r = await openStream(`${url}${url.includes('?') ? '&' : '?'}n=${n++}`);
      frames += r.frames;
      bytes += r.bytes;
      streams++;
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - began) / 1000;
  return { frames, bytes, streams, seconds: elapsed };
}

type Histogram = ReturnType<typeof createHistogram>;
const ms = (h: Histogram, p: number) => h.percentile(p) / 1000;
const recordMs = (h: Histogram, value: number) => h.record(Math.max(1, Math.round(value * 1000)));

async function latency(url: string, count: number) {
  const ttfb = createHistogram();
  const firstDelta = createHistogram();
  for (let i = 0; i < count; i++) {
    const r = await openStream(`${url}&n=${i}`, { parseFirstDelta: true });
    recordMs(ttfb, r.headersAt);
    recordMs(firstDelta, r.firstDeltaAt);
  }
  return {
    ttfb: { p50: ms(ttfb, 50), p99: ms(ttfb, 99) },
    firstDelta: { p50: ms(firstDelta, 50), p99: ms(firstDelta, 99) },
  };
}

async function idle(url: string, count: number, minFrames: number) {
  let ready = 0;
  const opened = Array.from(
    { length: count },
    (_, i) =>
      new Promise<void>((resolve, reject) => {
        let done = false;
        openStream(`${url}&n=${i}`, {
          onFirstFrames: (n) => {
            if (!done && n >= minFrames) {
              done = true;
              ready++;
              resolve();
            }
          },
        }).catch(reject);
      }),
  );
  await Promise.all(opened);
  process.stdout.write(`${JSON.stringify({ ready })}\n`);
  await new Promise((resolve) => process.stdin.once('close', resolve).resume());
  return { ready };
}

/** Streams arriving evenly over `spreadMs`, each read to its end (a realistic burst of users). */
async function arrivals(url: string, count: number, spreadMs: number) {
  const firstOutput = createHistogram();
  const gap = createHistogram();
  const began = performance.now();
  const streams = Array.from({ length: count }, async (_, i) => {
    const due = began + (spreadMs * i) / count;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
    let last = -1;
    await openStream(`${url}&n=${i}`, {
      onOutput(at) {
        if (last >= 0) recordMs(gap, at - last);
        else recordMs(firstOutput, at);
        last = at;
      },
    });
  });
  await Promise.all(streams);
  return {
    streams: count,
    seconds: (performance.now() - began) / 1000,
    firstOutput: { p50: ms(firstOutput, 50), p99: ms(firstOutput, 99) },
    gap: { p50: ms(gap, 50), p99: ms(gap, 99), max: gap.max / 1000 },
  };
}

const [mode, url, a, b] = process.argv.slice(2);
let out: unknown;
if (mode === 'throughput') out = await throughput(url!, Number(a), Number(b));
else if (mode === 'latency') out = await latency(url!, Number(a));
else if (mode === 'arrivals') out = await arrivals(url!, Number(a), Number(b));
else if (mode === 'idle') out = await idle(url!, Number(a), Number(b ?? 3));
else throw new Error(`unknown mode ${mode}`);
if (mode !== 'idle') process.stdout.write(`${JSON.stringify(out)}\n`);
agent.destroy();
process.exit(0);
