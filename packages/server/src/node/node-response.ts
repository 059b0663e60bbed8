/**
 * The direct Node path: writes frames straight to a `ServerResponse`, skipping Web stream
 * layers (measured at about 0.6x the throughput of raw writes). Frames written in one tick
 * are joined into one write, and writes follow the socket's backpressure (`drain`), so a
 * long replay is paced to the client (`PacedQueue`). Unsent bytes are the queue plus
 * `res.writableLength`, the real count of bytes Node holds for this socket.
 *
 * Once the headers are out, each write is one chunk of the chunked body written to the socket
 * as one string (`directSocket`): `res.write` sends a chunk as four socket writes (size, CRLF,
 * data, CRLF), corked, then uncorked on the next tick into one `writev`, and a streaming answer
 * makes a write per token or two.
 * @module
 */
import { ServerResponse as NodeServerResponse, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { sseHeaders } from '../headers.ts';
import { PacedQueue, type PacedTransport } from '../paced-queue.ts';
import type { StreamReader } from '../reader.ts';
import type { SinkObserver, SSESink } from '../sink.ts';
import { DEFAULT_MAX_UNSENT_BYTES } from '../web-response.ts';

export interface NodeSSEOptions extends SinkObserver {
  /** Unsent bytes past which the connection is closed (the client resumes). Default 1 MiB. */
  maxUnsentBytes?: number;
  /** Extra headers (request id, CORS). */
  headers?: Record<string, string>;
  /**
   * Called once when the response closes, for whatever reason (the app's own bookkeeping:
   * a connection count). Called by the sink's one `close` listener, not a listener of its own.
   */
  onClose?: () => void;
}

/** Streams `reader`'s events as SSE straight to `res`, paced to the socket. */
export function writeSSE(reader: StreamReader, res: ServerResponse, options: NodeSSEOptions = {}): void {
  res.writeHead(200, { ...sseHeaders(true), ...options.headers });
  res.socket?.setTimeout(0);
  const sink = new NodeSink(res, options);
  reader.pipe(sink);
  sink.start();
}

function sendHeaders(sink: NodeSink): void {
  sink.sendHeaders();
}

/**
 * The socket a response's body chunks may be written to directly, once its headers are out:
 * when the body is chunked (not HTTP/1.0, not HEAD), the response is the one the socket carries
 * now (a pipelined response waiting its turn has no socket yet), and nothing wraps `res.write`
 * (a compression middleware must see every byte).
 */
function directSocket(res: ServerResponse): Socket | undefined {
  const socket = res.socket;
  if (!socket || !res.chunkedEncoding || res.write !== NodeServerResponse.prototype.write) return undefined;
  return socket;
}

/** `text` as one chunk of a chunked body. */
function chunkOf(text: string, bytes: number): string {
  return `${bytes.toString(16)}\r\n${text}\r\n`;
}

const NO_CALLBACKS: readonly (() => void)[] = Object.freeze([]);

/**
 * One response as a sink and as its queue's transport. A class with its methods on the
 * prototype, not an object of closures: every open connection holds one.
 */
class NodeSink implements SSESink, PacedTransport {
  readonly #res: ServerResponse;
  readonly #onSlowClient: (() => void) | undefined;
  readonly #queue: PacedQueue;
  /**
   * Called when the response closes (the app's, then the reader's): from the sink's one `close`
   * listener, since every listener more on a response grows its listener array (3 or more:
   * 176 B per open connection instead of 64 B for two).
   */
  #closeCallbacks: readonly (() => void)[];
  #open: boolean;
  #ending = false;
  #scheduled = false;
  /** Something was written (the headers with it). */
  #sent = false;
  /** Where body chunks go once the headers are out, when they may skip `res.write` (`directSocket`). */
  #direct: Socket | undefined = undefined;
  /** A `drain` listener (of the direct socket, or of the response) is waiting. */
  #awaitingDrain = false;

  constructor(res: ServerResponse, options: NodeSSEOptions) {
    this.#res = res;
    this.#onSlowClient = options.onSlowClient;
    this.#open = !res.destroyed;
    this.#queue = new PacedQueue(this, options.maxUnsentBytes ?? DEFAULT_MAX_UNSENT_BYTES);
    this.#closeCallbacks = options.onClose ? [options.onClose] : NO_CALLBACKS;
    // `on`, not `once`: a response closes once, and `once` wraps each listener in two objects.
    res.on('close', this.#closed);
  }

  write(text: string): boolean {
    if (!this.#open || this.#ending) return false;
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#flush);
    }
    return this.#queue.push(text);
  }

  end(): void {
    this.#ending = true;
    // The last chunk and the body's end (`res.end()`, which uncorks) in one write.
    this.#direct?.cork();
    this.#flush();
    this.#direct?.uncork();
  }

  onClose(callback: () => void): void {
    if (this.#res.destroyed) callback();
    else this.#closeCallbacks = this.#closeCallbacks.concat(callback);
  }

  beat(): boolean {
    return this.#open && this.#queue.beat();
  }

  buffered(): number {
    return this.#res.writableLength;
  }

  room(): boolean {
    // The response's own `drain` never comes for bytes it did not write: the direct socket's.
    const target = this.#direct ?? this.#res;
    if (!target.writableNeedDrain) return true;
    // Listened for only when pushed back (most connections never are): no listener per connection.
    if (!this.#awaitingDrain) {
      this.#awaitingDrain = true;
      target.once('drain', this.#flush);
    }
    return false;
  }

  send(text: string, bytes: number): void {
    if (this.#direct) {
      // A socket the client ended is no longer writable before its `close` comes: a write
      // would only make an error (EPIPE, write after end) and its stack. The log keeps the frame.
      if (this.#direct.writable) this.#direct.write(chunkOf(text, bytes));
      return;
    }
    const res = this.#res;
    if (this.#sent) {
      res.write(text);
      return;
    }
    // The headers go out as a write of their own, corked with the first frames (still one
    // syscall): Node keeps the head it wrote (`_header`) for the life of the response, and a
    // head sent with data stays the tree of ~60 concatenated strings Node built it from
    // (1.8 KB per open connection); sent alone it is flattened, then held as ~300 flat bytes.
    // The socket is corked, not the response: `res.uncork()` writes its pieces one syscall
    // each (five for the head and one chunk).
    this.#sent = true;
    const socket = res.socket;
    socket?.cork();
    res.flushHeaders();
    this.#direct = directSocket(res);
    if (this.#direct) this.#direct.write(chunkOf(text, bytes));
    else res.write(text);
    socket?.uncork();
  }

  /**
   * What the reader handed over as it was piped (a start's first events, a resume's replay)
   * goes out now, with the headers, in one write: not after the caller's remaining work in this
   * tick (a framework's middleware, its log line). A reader with nothing to send yet (a resume
   * at the live end) gets the headers on their own in the next tick, unless frames came first.
   */
  start(): void {
    if (this.#queue.empty) process.nextTick(sendHeaders, this);
    else this.#flush();
  }

  /** Sends the headers unless a frame took them along already. */
  sendHeaders(): void {
    if (this.#sent || !this.#open) return;
    this.#sent = true;
    this.#res.flushHeaders();
    this.#direct = directSocket(this.#res);
  }

  slow(): void {
    this.#open = false;
    this.#onSlowClient?.();
    this.#res.destroy();
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#awaitingDrain && !(this.#direct ?? this.#res).writableNeedDrain) this.#awaitingDrain = false;
    if (!this.#open) return;
    this.#queue.flush();
    if (this.#ending && this.#queue.empty) {
      this.#open = false;
      this.#res.end();
    }
  };

  readonly #closed = (): void => {
    this.#open = false;
    this.#queue.close();
    const callbacks = this.#closeCallbacks;
    this.#closeCallbacks = NO_CALLBACKS;
    for (const callback of callbacks) callback();
  };
}
