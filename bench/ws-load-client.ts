/**
 * The WebSocket load client (the `ws` package), run in its own process like load-client.ts,
 * with the same modes (load-modes.ts) over `/api/v1/ws` (docs/WEBSOCKET.md). Each worker
 * keeps one socket and starts its streams on it back to back.
 *   throughput URL CONCURRENCY SECONDS  counts event messages and bytes
 *   latency URL COUNT                   time from the start message to the first delta
 *   idle URL COUNT [MIN]                COUNT sockets, one stream each, held after MIN (3)
 *                                       events until stdin closes
 * Prints one JSON line with the result. URL is the `ws://…/api/v1/ws` route; the question is
 * `Hello N`, N the stream's number, so each is unique.
 * @module
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import {
  type Connection,
  LOCAL_ADDRESS,
  runLoadMain,
  type StreamOptions,
  type StreamResult,
} from './load-modes.ts';

/** Starts one stream on `socket` and resolves when the server says it ended. */
function runStream(socket: WebSocket, q: string, options: StreamOptions = {}): Promise<StreamResult> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const result: StreamResult = { events: 0, bytes: 0, firstDeltaMs: 0 };
    const onMessage = (data: WebSocket.RawData) => {
      const text = data.toString();
      result.bytes += text.length;
      if (text.startsWith('{"stream_id"')) {
        result.events++;
        if (options.timeFirstDelta && result.firstDeltaMs === 0 && text.includes('"event":"delta"'))
          result.firstDeltaMs = performance.now() - began;
        options.onEvents?.(result.events);
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

function connect(url: string): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, localAddress: LOCAL_ADDRESS });
    socket.once('open', () =>
      resolve({
        stream: (n, options) => runStream(socket, `Hello ${n}`, options),
        close: () => socket.terminate(),
      }),
    );
    socket.once('error', reject);
  });
}

await runLoadMain({ connect });
