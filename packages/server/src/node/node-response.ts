/**
 * The direct Node path: writes frames straight to a `ServerResponse`, skipping Web stream
 * layers (measured at about 0.6x the throughput of raw writes). Frames written in one tick
 * are joined into one write. The unsent-byte bound is `res.writableLength`, the real count of
 * bytes Node holds for this socket.
 * @module
 */
import type { ServerResponse } from 'node:http';
import { sseHeaders } from '../headers.ts';
import type { StreamReader } from '../reader.ts';
import type { SinkObserver, SSESink } from '../sink.ts';
import { DEFAULT_MAX_UNSENT_BYTES } from '../web-response.ts';

export interface NodeSSEOptions extends SinkObserver {
  /** Unsent bytes past which the connection is closed (the client resumes). Default 1 MiB. */
  maxUnsentBytes?: number;
  /** Extra headers (request id, CORS). */
  headers?: Record<string, string>;
}

/** Streams `reader`'s events as SSE straight to `res`. */
export function writeSSE(reader: StreamReader, res: ServerResponse, options: NodeSSEOptions = {}): void {
  const maxUnsentBytes = options.maxUnsentBytes ?? DEFAULT_MAX_UNSENT_BYTES;
  res.writeHead(200, { ...sseHeaders(true), ...options.headers });
  res.flushHeaders();
  res.socket?.setTimeout(0);
  let open = !res.destroyed;
  let pending = '';
  const flush = () => {
    if (!open || pending === '') return;
    res.write(pending);
    pending = '';
    if (res.writableLength > maxUnsentBytes) {
      open = false;
      options.onSlowClient?.();
      res.destroy();
    }
  };
  const sink: SSESink = {
    write(text) {
      if (!open) return false;
      if (pending === '') process.nextTick(flush);
      pending += text;
      return true;
    },
    end() {
      flush();
      if (!open) return;
      open = false;
      res.end();
    },
    onClose(callback) {
      if (res.destroyed) callback();
      else res.once('close', callback);
    },
  };
  res.once('close', () => {
    open = false;
  });
  reader.pipe(sink);
}
