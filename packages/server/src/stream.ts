/**
 * A `Stream` is the writing side of one generation: it numbers events, encodes each once,
 * appends it to the store's log, and ends the stream exactly once. It knows nothing of HTTP:
 * readers come and go through the store, the generation runs on regardless.
 * @module
 */
import {
  type DoneReason,
  type EventDataMap,
  type EventName,
  encodeEvent,
  formatEventId,
} from '@tidewire/protocol';
import { DeltaCoalescer } from './coalescer.ts';
import type { EngineObserver } from './observer.ts';
import type { StreamInfo, StreamStore } from './store.ts';

export interface StreamLimits {
  /** Bytes of encoded events after which the stream ends with `error` `stream_too_large`. */
  maxLogBytes: number;
  retentionMs: number;
  coalesceWords: number;
  coalesceHoldMs: number;
}

/** The `retry` every stream announces on its first event. */
export const RETRY_MS = 1000;

export class Stream {
  readonly info: StreamInfo;
  readonly #store: StreamStore;
  readonly #limits: StreamLimits;
  readonly #abort = new AbortController();
  readonly #coalescer: DeltaCoalescer;
  readonly #onEnd: (stream: Stream) => void;
  readonly #observer: EngineObserver;
  #sentDelta = false;
  #seq = 0;
  #bytes = 0;
  #ended = false;
  #abandoned = false;
  #pending: Promise<void> = Promise.resolve();
  #failure: Error | undefined;
  /** Settles once the stream has ended and its last event is in the store. */
  readonly finished: Promise<void>;
  #resolveFinished!: () => void;

  /**
   * `resume` continues a log that another instance started (a takeover): numbering goes on
   * from its last event.
   */
  constructor(
    info: StreamInfo,
    store: StreamStore,
    limits: StreamLimits,
    onEnd: (stream: Stream) => void,
    resume?: { seq: number; bytes: number },
    observer: EngineObserver = {},
  ) {
    this.#observer = observer;
    this.info = info;
    this.#seq = resume?.seq ?? 0;
    this.#bytes = resume?.bytes ?? 0;
    this.#store = store;
    this.#limits = limits;
    this.#onEnd = onEnd;
    this.#coalescer = new DeltaCoalescer({
      maxWords: limits.coalesceWords,
      maxHoldMs: limits.coalesceHoldMs,
      emit: (text) => this.#append('delta', { text }),
    });
    this.finished = new Promise((resolve) => {
      this.#resolveFinished = resolve;
    });
  }

  get id(): string {
    return this.info.streamId;
  }
  /** Aborted when the stream is cancelled or ends early; pass it to the model call. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }
  get ended(): boolean {
    return this.#ended;
  }
  /** True when the stream stopped here without ending (another instance continues it). */
  get abandoned(): boolean {
    return this.#abandoned;
  }
  get lastSeq(): number {
    return this.#seq;
  }

  /** Appends one event (not `delta`: use `delta()`, which coalesces). */
  emit<K extends Exclude<EventName, 'delta' | 'ping' | 'done'>>(event: K, data: EventDataMap[K]): void {
    if (this.#ended) return;
    this.#coalescer.flush();
    this.#append(event, data);
  }

  /** Adds model text; it leaves as `delta` events, coalesced. */
  delta(text: string): void {
    if (!this.#ended) this.#coalescer.push(text);
  }

  /** Ends the stream with `done`. Later calls do nothing. */
  async end(reason: DoneReason, tokens: number): Promise<void> {
    if (this.#ended) return this.finished;
    this.#coalescer.flush();
    this.#append('done', { reason, tokens });
    return this.#close();
  }

  /** Ends the stream with `error` then `done {reason: "error"}`. */
  async fail(type: string, message: string, tokens = 0): Promise<void> {
    if (this.#ended) return this.finished;
    this.#coalescer.flush();
    this.#append('error', { type, message });
    this.#append('done', { reason: 'error', tokens });
    return this.#close();
  }

  /** Ends a log whose last event is already `done` (its writer died before closing it). */
  async closeLog(): Promise<void> {
    if (this.#ended) return this.finished;
    return this.#close();
  }

  /** Stops the generation: flushes held text, ends with `done {reason: "cancelled"}`, aborts the model call. */
  async cancel(tokens = 0): Promise<void> {
    const ending = this.end('cancelled', tokens);
    this.#abort.abort(new Error('cancelled'));
    return ending;
  }

  /**
   * Stops writing without ending the log: another instance now owns this stream (this one
   * lost its lease), so it must not append anything more.
   */
  abandon(): void {
    if (this.#ended) return;
    this.#abandoned = true;
    this.#ended = true;
    this.#coalescer.dispose();
    this.#abort.abort(new Error('lease lost'));
    this.#onEnd(this);
    this.#resolveFinished();
  }

  /** Resolves once every appended event is in the store (matters for asynchronous stores). */
  drained(): Promise<void> {
    return this.#pending;
  }

  #append(event: EventName, data: unknown): void {
    if (this.#ended) return;
    const seq = ++this.#seq;
    const frame = encodeEvent(event, data, formatEventId(this.id, seq), seq === 1 ? RETRY_MS : undefined);
    this.#bytes += frame.length;
    if (this.#bytes > this.#limits.maxLogBytes && event !== 'done' && event !== 'error') {
      this.#seq--;
      this.#bytes -= frame.length;
      void this.fail(
        'stream_too_large',
        `the stream passed its size bound of ${this.#limits.maxLogBytes} bytes`,
      );
      this.#abort.abort(new Error('stream_too_large'));
      return;
    }
    this.#write(seq, frame);
    if (event === 'delta' && !this.#sentDelta) {
      this.#sentDelta = true;
      this.#observer.onFirstDelta?.(this.info, Date.now() - this.info.createdAt);
    } else if (event === 'error') {
      this.#observer.onStreamError?.(this.info, (data as { type: string }).type);
    }
  }

  #write(seq: number, frame: string): void {
    if (this.#failure) return;
    try {
      const result = this.#store.append(this.id, seq, frame);
      if (result) this.#pending = this.#pending.then(() => result).catch((error) => this.#storeFailed(error));
    } catch (error) {
      this.#storeFailed(error as Error);
    }
  }

  #storeFailed(error: Error): void {
    this.#failure ??= error;
    this.#abort.abort(error);
  }

  async #close(): Promise<void> {
    this.#ended = true;
    this.#coalescer.dispose();
    try {
      await this.#pending;
      await this.#store.end(this.id, this.#limits.retentionMs);
    } catch (error) {
      this.#storeFailed(error as Error);
    }
    this.#onEnd(this);
    this.#resolveFinished();
  }
}
