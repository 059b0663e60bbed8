/**
 * What every load client does, whatever carries its streams: the modes (throughput, latency,
 * idle), their measuring, and the command line (`MODE URL A B`, one JSON line out). A load
 * client (load-client.ts for SSE, ws-load-client.ts for WebSocket) supplies only its transport:
 * how to open a connection and read one stream on it.
 * @module
 */
import { createHistogram, performance } from 'node:perf_hooks';

/** What one stream gave, read to its end. */
export interface StreamResult {
  /** Events (SSE frames, WebSocket event messages) and bytes received. */
  events: number;
  bytes: number;
  /** Time to the response's first byte (headers), when the transport has one per stream. */
  firstByteMs?: number;
  /** Time to the first `delta`, when `timeFirstDelta` asked for it. */
  firstDeltaMs: number;
  /** The response's HTTP status, when the transport has one per stream. */
  status?: number;
}

export interface StreamOptions {
  /** Parse what arrives enough to time the first `delta` (costs the client CPU). */
  timeFirstDelta?: boolean;
  /** Told the event count each time it grows. */
  onEvents?: (count: number) => void;
}

/** What a worker keeps while it runs streams back to back (a socket, or an HTTP agent's share). */
export interface Connection {
  /** Reads stream number `n` (unique in this run) to its end. */
  stream(n: number, options?: StreamOptions): Promise<StreamResult>;
  /** Drops the connection and any stream still open on it. */
  close(): void;
}

export interface LoadTransport {
  connect(url: string): Promise<Connection>;
  /** Modes only this transport has: `(url, a, b) → the JSON result`. */
  extraModes?: Record<
    string,
    (url: string, a: string | undefined, b: string | undefined) => Promise<unknown>
  >;
  /** Called before the process exits (an agent to destroy). */
  finish?(): void;
}

type Histogram = ReturnType<typeof createHistogram>;
/** A histogram's percentile `p`, in milliseconds (values are recorded in microseconds). */
/**
 * A loopback address of its own for each load-client process to connect from (127.0.0.1 is
 * where the servers listen; all of 127/8 is loopback on Linux). A run opens and closes tens of
 * thousands of connections, more than the ephemeral ports of one address, and a new connection
 * on a port whose old one is still in TIME_WAIT can be reset; a fresh source address has all
 * its ports free.
 */
export const LOCAL_ADDRESS = `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}.${
  2 + Math.floor(Math.random() * 253)
}`;

export const ms = (h: Histogram, p: number) => h.percentile(p) / 1000;
export const recordMs = (h: Histogram, value: number) => h.record(Math.max(1, Math.round(value * 1000)));
export const percentiles = (h: Histogram) => ({ p50: ms(h, 50), p99: ms(h, 99) });

/** `concurrency` workers, each on its own connection, running streams back to back for `seconds`. */
async function throughput(transport: LoadTransport, url: string, concurrency: number, seconds: number) {
  const until = performance.now() + seconds * 1000;
  let frames = 0;
  let bytes = 0;
  let streams = 0;
  let n = 0;
  const worker = async () => {
    const connection = await transport.connect(url);
    while (performance.now() < until) {
      const r = await connection.stream(n++);
      frames += r.events;
      bytes += r.bytes;
      streams++;
    }
    connection.close();
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { frames, bytes, streams, seconds: (performance.now() - began) / 1000 };
}

/** `count` streams one at a time: first delta, and first byte where the transport has one. */
async function latency(transport: LoadTransport, url: string, count: number) {
  const firstByte = createHistogram();
  const firstDelta = createHistogram();
  const connection = await transport.connect(url);
  for (let i = 0; i < count; i++) {
    const r = await connection.stream(i, { timeFirstDelta: true });
    if (r.firstByteMs !== undefined) recordMs(firstByte, r.firstByteMs);
    recordMs(firstDelta, r.firstDeltaMs);
  }
  connection.close();
  return {
    ...(firstByte.count > 0 ? { ttfb: percentiles(firstByte) } : {}),
    firstDelta: percentiles(firstDelta),
  };
}

/**
 * Opens `count` streams and holds them once each has `minEvents` events; at most `window`
 * streams are being opened at any time (all at once by default). A window keeps a very large
 * count from overflowing the server's accept queue (refused connections wait seconds to be
 * tried again), and this client from opening connections faster than it can send their
 * requests: opening 10,000 at once, it sent some requests 11 s after their connection was
 * accepted, even to plain node:http. Prints `{"ready":count,"retried":n}` and holds them until
 * stdin closes: `retried` counts requests the server answered 408 (its header timeout passed
 * before it had the request), each sent again as a client would. A stream that ends before
 * `minEvents` otherwise fails the run.
 */
async function idle(transport: LoadTransport, url: string, count: number, minEvents: number, window = count) {
  const connections: Connection[] = [];
  let retried = 0;
  let next = 0;
  // `window` openers, each opening one stream after another until `count` are open: at most
  // `window` streams are being opened at any time.
  const opener = async () => {
    while (next < count) {
      const n = next++;
      const connection = await transport.connect(url);
      while (!(await holdOpen(connection, n, minEvents))) retried++;
      connections.push(connection);
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, opener));
  process.stdout.write(`${JSON.stringify({ ready: connections.length, retried })}\n`);
  await new Promise((resolve) => process.stdin.once('close', resolve).resume());
  for (const connection of connections) connection.close();
}

/** Opens stream `n`: true once it has `minEvents` events, false when answered 408 (to be sent again). */
function holdOpen(connection: Connection, n: number, minEvents: number): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    const onEvents = (events: number) => events >= minEvents && resolve(true);
    connection.stream(n, { onEvents }).then((result) => {
      if (result.status === 408) resolve(false);
      // Settled already when it had its events; else it ended too soon.
      else reject(new Error(`stream ${n} ended after ${result.events} events (status ${result.status})`));
    }, reject);
  });
}

/** Runs the mode `process.argv` names over `transport`, prints its JSON result and exits. */
export async function runLoadMain(transport: LoadTransport): Promise<never> {
  const [mode, url, a, b, c] = process.argv.slice(2);
  if (!mode || !url) throw new Error('usage: MODE URL [A] [B] [C]');
  const extra = transport.extraModes?.[mode];
  if (mode === 'idle') await idle(transport, url, Number(a), Number(b ?? 3), c ? Number(c) : undefined);
  else {
    let out: unknown;
    if (mode === 'throughput') out = await throughput(transport, url, Number(a), Number(b));
    else if (mode === 'latency') out = await latency(transport, url, Number(a));
    else if (extra) out = await extra(url, a, b);
    else throw new Error(`unknown mode ${mode}`);
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
  transport.finish?.();
  process.exit(0);
}
