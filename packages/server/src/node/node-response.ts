/**
 * The direct Node path: writes frames straight to a `ServerResponse`, skipping Web stream
 * layers (measured at about 0.6x the throughput of raw writes). Frames written in one tick
 * are joined into one write. The unsent-byte bound is `res.writableLength`, the real count of
 * bytes Node holds for this socket.
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { StreamEngine } from '../engine.ts';
import { sseHeaders } from '../headers.ts';
import type { SinkObserver, SSESink } from '../sink.ts';
import type { StreamInfo } from '../store.ts';

export interface NodeSSEOptions extends SinkObserver {
  maxUnsentBytes: number;
  /** Extra headers (request id, CORS). */
  headers?: Record<string, string>;
}

export function writeSSEResponse(
  engine: StreamEngine,
  info: StreamInfo,
  afterSeq: number,
  res: ServerResponse,
  options: NodeSSEOptions,
): void {
  res.writeHead(200, { ...sseHeaders(true), ...options.headers });
  res.flushHeaders();
  res.socket?.setTimeout(0);
  let open = !res.destroyed;
  let pending = '';
  const flush = () => {
    if (!open || pending === '') return;
    res.write(pending);
    pending = '';
    if (res.writableLength > options.maxUnsentBytes) {
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
  engine.attach(info, afterSeq, sink);
}
