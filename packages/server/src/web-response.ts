/**
 * The Web-standard stream response: a `Response` whose body is a `ReadableStream` fed by the
 * engine. Runs on any runtime with Web streams (Node, Workers, Vercel Edge). Unsent bytes are
 * bounded by the stream's queue: past `maxUnsentBytes` the connection is closed (the client
 * resumes).
 * @module
 */
import { sseHeaders } from './headers.ts';
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

/** A `Response` that streams `reader`'s events as SSE. */
export function sseResponse(reader: StreamReader, options: SSEResponseOptions = {}): Response {
  const encoder = new TextEncoder();
  const closeCallbacks: (() => void)[] = [];
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let open = true;
  const closed = () => {
    if (!open) return;
    open = false;
    for (const callback of closeCallbacks) callback();
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start: (c) => {
        controller = c;
      },
      cancel: closed,
    },
    // The queue counts bytes (ByteLengthQueuingStrategy's rule, written out: some edge
    // runtimes lack that class).
    {
      highWaterMark: options.maxUnsentBytes ?? DEFAULT_MAX_UNSENT_BYTES,
      size: (chunk: Uint8Array) => chunk.byteLength,
    },
  );
  const sink: SSESink = {
    write(text) {
      if (!open) return false;
      controller.enqueue(encoder.encode(text));
      if ((controller.desiredSize ?? 0) < 0) {
        options.onSlowClient?.();
        controller.error(new Error('slow client: too many unsent bytes'));
        closed();
        return false;
      }
      return true;
    },
    end() {
      if (!open) return;
      controller.close();
      closed();
    },
    onClose(callback) {
      closeCallbacks.push(callback);
    },
  };
  options.signal?.addEventListener('abort', closed, { once: true });
  reader.pipe(sink);
  return new Response(body, {
    status: 200,
    headers: { ...sseHeaders(options.http1 ?? true), ...options.headers },
  });
}
