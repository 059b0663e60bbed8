/**
 * The Web-standard stream response: a `Response` whose body is a `ReadableStream` fed by the
 * engine. Runs on any runtime with Web streams (Node, Workers, Vercel Edge). Frames are
 * enqueued as the body is read (`pull`), so a long replay is paced (`PacedQueue`); a reader
 * that does not read is closed (it can resume) once its unsent bytes stay over
 * `maxUnsentBytes` from one heartbeat to the next, or pass the queue's hard cap.
 * @module
 */
import { sseHeaders } from './headers.ts';
import { PacedQueue } from './paced-queue.ts';
import type { StreamReader } from './reader.ts';
import type { SinkObserver, SSESink } from './sink.ts';

export interface SSEResponseOptions extends SinkObserver {
  /** Unsent bytes past which the connection is closed (the client resumes). Default 1 MiB. */
  maxUnsentBytes?: number;
  /** Aborted when the client goes away (the request's signal). */
  signal?: AbortSignal;
  http1?: boolean;
  /** Extra response headers (a request id, CORS). */
  headers?: Record<string, string>;
}

/** The default bound on bytes a client may leave unread. */
export const DEFAULT_MAX_UNSENT_BYTES = 1024 * 1024;

/** A `Response` that streams `reader`'s events as SSE, paced to the reader of its body. */
export function sseResponse(reader: StreamReader, options: SSEResponseOptions = {}): Response {
  const encoder = new TextEncoder();
  const closeCallbacks: (() => void)[] = [];
  const maxUnsentBytes = options.maxUnsentBytes ?? DEFAULT_MAX_UNSENT_BYTES;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  let ending = false;
  const closed = () => {
    if (!open) return;
    open = false;
    queue.close();
    for (const callback of closeCallbacks) callback();
  };
  const queue = new PacedQueue(
    {
      buffered: () => maxUnsentBytes - (controller.desiredSize ?? 0),
      room: () => (controller.desiredSize ?? 0) > 0,
      send: (text) => controller.enqueue(encoder.encode(text)),
      slow: () => {
        options.onSlowClient?.();
        controller.error(new Error('slow client: too many unsent bytes'));
        closed();
      },
    },
    maxUnsentBytes,
  );
  const flush = () => {
    if (!open) return;
    queue.flush();
    if (ending && queue.empty) {
      controller.close();
      closed();
    }
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      pull: flush,
      cancel: closed,
    },
    // The queue counts bytes (ByteLengthQueuingStrategy's rule, written out: some edge
    // runtimes lack that class).
    { highWaterMark: maxUnsentBytes, size: (chunk: Uint8Array) => chunk.byteLength },
  );
  const sink: SSESink = {
    write(text) {
      if (!open || ending) return false;
      const queued = queue.push(text);
      flush();
      return queued;
    },
    end() {
      ending = true;
      flush();
    },
    onClose(callback) {
      closeCallbacks.push(callback);
    },
    beat: () => open && queue.beat(),
  };
  options.signal?.addEventListener('abort', closed, { once: true });
  reader.pipe(sink);
  return new Response(body, {
    status: 200,
    headers: { ...sseHeaders(options.http1 ?? true), ...options.headers },
  });
}
