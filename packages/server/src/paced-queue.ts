/**
 * `PacedQueue`: what a connection has yet to send, handed to its transport only as fast as
 * the client reads (while the transport says it has room). A replay of a long log (a resume from its start) is queued and paced to
 * the socket instead of written at once, so a fast reader gets all of it. The unsent-byte
 * bound is for a reader that does not read: a client is slow when its unsent bytes stay over
 * `maxUnsentBytes` with no progress from one heartbeat to the next, or when they pass the
 * hard cap `maxQueuedBytes` (which also bounds memory when heartbeats are off).
 * @module
 */
import { utf8Length } from './utf8.ts';

/** Largest single write to the transport. */
const CHUNK_BYTES = 64 * 1024;

export interface PacedTransport {
  /** Bytes the transport holds, not yet taken by the client. */
  buffered(): number;
  /** Whether the transport takes more now (its own backpressure signal). */
  room(): boolean;
  /** Sends `text`, `bytes` long in UTF-8. */
  send(text: string, bytes: number): void;
  /** The client is too slow: close the connection (it can resume). */
  slow(): void;
}

export class PacedQueue {
  readonly #transport: PacedTransport;
  readonly #maxUnsentBytes: number;
  readonly #maxQueuedBytes: number;
  readonly #items: string[] = [];
  #queuedBytes = 0;
  /** Bytes handed to the transport so far, and at the previous heartbeat. */
  #sent = 0;
  #sentAtBeat = 0;
  #closed = false;

  constructor(transport: PacedTransport, maxUnsentBytes: number, maxQueuedBytes = 16 * maxUnsentBytes) {
    this.#transport = transport;
    this.#maxUnsentBytes = maxUnsentBytes;
    this.#maxQueuedBytes = Math.max(maxQueuedBytes, maxUnsentBytes);
  }

  get empty(): boolean {
    return this.#items.length === 0;
  }

  /** Queues text; false when the connection was closed as slow (or already closed). */
  push(text: string): boolean {
    if (this.#closed) return false;
    this.#items.push(text);
    this.#queuedBytes += utf8Length(text);
    if (this.#queuedBytes + this.#transport.buffered() > this.#maxQueuedBytes) return this.#slow();
    return true;
  }

  /** Hands queued text to the transport while it holds less than the bound. */
  flush(): void {
    while (!this.#closed && this.#items.length > 0 && this.#transport.room()) {
      let text = '';
      while (this.#items.length > 0 && text.length < CHUNK_BYTES) text += this.#items.shift();
      // All of the queue (the common case: one tick's frames) is what push counted.
      const bytes = this.#items.length === 0 ? this.#queuedBytes : utf8Length(text);
      this.#queuedBytes -= bytes;
      this.#sent += bytes;
      this.#transport.send(text, bytes);
    }
  }

  /** A heartbeat: false (and closed) when over the bound with no progress since the last one. */
  beat(): boolean {
    if (this.#closed) return false;
    const stuck = this.#sent === this.#sentAtBeat;
    this.#sentAtBeat = this.#sent;
    if (stuck && this.#queuedBytes + this.#transport.buffered() > this.#maxUnsentBytes) return this.#slow();
    return true;
  }

  /** Stops: nothing more is sent. */
  close(): void {
    this.#closed = true;
    this.#items.length = 0;
    this.#queuedBytes = 0;
  }

  #slow(): false {
    this.close();
    this.#transport.slow();
    return false;
  }
}
