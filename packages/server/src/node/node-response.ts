/**
 * The direct Node path: writes frames straight to a `ServerResponse`, skipping Web stream
 * layers (measured at about 0.6x the throughput of raw writes). Frames written in one tick
 * are joined into one write, and writes follow the socket's backpressure (`drain`), so a
 * long replay is paced to the client (`PacedQueue`). Unsent bytes are the queue plus
 * `res.writableLength`, the real count of bytes Node holds for this socket.
 * @module
 */
import type { ServerResponse } from 'node:http';
import { sseHeaders } from '../headers.ts';
import { PacedQueue } from '../paced-queue.ts';
import type { StreamReader } from '../reader.ts';
import type { SinkObserver, SSESink } from '../sink.ts';
import { DEFAULT_MAX_UNSENT_BYTES } from '../web-response.ts';

export interface NodeSSEOptions extends SinkObserver {
  /** Unsent bytes past which the connection is closed (the client resumes). Default 1 MiB. */
  maxUnsentBytes?: number;
  /** Extra headers (request id, CORS). */
  headers?: Record<string, string>;
}

/** Streams `reader`'s events as SSE straight to `res`, paced to the socket. */
export function writeSSE(reader: StreamReader, res: ServerResponse, options: NodeSSEOptions = {}): void {
  res.writeHead(200, { ...sseHeaders(true), ...options.headers });
  res.flushHeaders();
  res.socket?.setTimeout(0);
  let open = !res.destroyed;
  let ending = false;
  let scheduled = false;
  const queue = new PacedQueue(
    {
      buffered: () => res.writableLength,
      room: () => !res.writableNeedDrain,
      send: (text) => res.write(text),
      slow: () => {
        open = false;
        options.onSlowClient?.();
        res.destroy();
      },
    },
    options.maxUnsentBytes ?? DEFAULT_MAX_UNSENT_BYTES,
  );
  const flush = () => {
    scheduled = false;
    if (!open) return;
    queue.flush();
    if (ending && queue.empty) {
      open = false;
      res.end();
    }
  };
  const sink: SSESink = {
    write(text) {
      if (!open || ending) return false;
      if (!scheduled) {
        scheduled = true;
        process.nextTick(flush);
      }
      return queue.push(text);
    },
    end() {
      ending = true;
      flush();
    },
    onClose(callback) {
      if (res.destroyed) callback();
      else res.once('close', callback);
    },
    beat: () => open && queue.beat(),
  };
  res.on('drain', flush);
  res.once('close', () => {
    open = false;
    queue.close();
  });
  reader.pipe(sink);
}
