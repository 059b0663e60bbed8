/**
 * The WebSocket load client (the `ws` package), run in its own process like load-client.ts,
 * with the same modes over `/api/v1/ws` (docs/WEBSOCKET.md). Each worker keeps one socket
 * and starts its streams on it back to back.
 *   throughput URL CONCURRENCY SECONDS  counts event messages and bytes
 *   latency URL COUNT                   time from the start message to the first delta
 *   idle URL COUNT                      COUNT sockets, one stream each, held after 3 events
 *                                       until stdin closes
 * Prints one JSON line with the result. URL is the `ws://…/api/v1/ws` route; `q` is the
 * question, `n` makes it unique.
 * @module
 */
import { createHistogram, performance } from 'node:perf_hooks';
import WebSocket from 'ws';

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

interface StreamResult {
  events: number;
  bytes: number;
  firstDeltaMs: number;
}

/** Starts one stream on `socket` and resolves when the server says it ended. */
function runStream(socket: WebSocket, q: string, onEvents?: (n: number) => void): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const result: StreamResult = { events: 0, bytes: 0, firstDeltaMs: 0 };
    const onMessage = (data: WebSocket.RawData) => {
      const text = data.toString();
      result.bytes += text.length;
      if (text.startsWith('{"stream_id"')) {
        result.events++;
        if (result.firstDeltaMs === 0 && text.includes('"event":"delta"'))
          result.firstDeltaMs = performance.now() - began;
        onEvents?.(result.events);
        return;
      }
      if (text.startsWith('{"type":"ended"')) {
        socket.off('message', onMessage);
        resolve(result);
      } else if (text.startsWith('{"type":"error"')) reject(new Error(text));
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ type: 'start', q }));
  });
}

async function throughput(url: string, concurrency: number, seconds: number) {
  const until = performance.now() + seconds * 1000;
  let events = 0;
  let bytes = 0;
  let streams = 0;
  let n = 0;
  const worker = async () => {
    const socket = await open(url);
    while (performance.now() < until) {
      const r = await runStream(socket, `Hello ${n++}`);
      events += r.events;
      bytes += r.bytes;
      streams++;
    }
    socket.close();
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { frames: events, bytes, streams, seconds: (performance.now() - began) / 1000 };
}

async function latency(url: string, count: number) {
  const firstDelta = createHistogram();
  const socket = await open(url);
  for (let i = 0; i < count; i++) {
    const r = await runStream(socket, `Hello ${i}`);
    firstDelta.record(Math.max(1, Math.round(r.firstDeltaMs * 1000)));
  }
  socket.close();
  const ms = (p: number) => firstDelta.percentile(p) / 1000;
  return { firstDelta: { p50: ms(50), p99: ms(99) } };
}

async function idle(url: string, count: number) {
  const sockets = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const socket = await open(url);
      await new Promise<void>((resolve, reject) => {
        runStream(socket, `Hello ${i}`, (events) => events >= 3 && resolve()).catch(reject);
      });
      return socket;
    }),
  );
  process.stdout.write(`${JSON.stringify({ ready: sockets.length })}\n`);
  await new Promise((resolve) => process.stdin.once('close', resolve).resume());
  for (const socket of sockets) socket.terminate();
}

const [mode, url, a, b] = process.argv.slice(2);
if (mode === 'throughput')
  process.stdout.write(`${JSON.stringify(await throughput(url!, Number(a), Number(b)))}\n`);
else if (mode === 'latency') process.stdout.write(`${JSON.stringify(await latency(url!, Number(a)))}\n`);
else if (mode === 'idle') await idle(url!, Number(a));
else throw new Error(`unknown mode ${mode}`);
process.exit(0);
