/**
 * A `Stream` is the writing side of one generation: it numbers events, encodes each once,
 * appends it to the store's log, and ends the stream exactly once. It knows nothing of HTTP
 * nor of what the events mean: readers come and go through the store, the generation runs
 * on regardless.
 * @module
 */
import { type EventMap, encodeEvent, formatEventId, TidewireError } from '@tidewire/protocol';
import { Coalescer, type CoalescerBounds } from './coalescer.ts';
import type { StoreLease } from './coordinator.ts';
import { newId } from './ids.ts';
import type { EngineObserver } from './observer.ts';
import type { StreamReader } from './reader.ts';
import type { Artifact, FirstFrame, LogEnd, LogWriter, StreamInfo, StreamStore } from './store.ts';
import { utf8Length } from './utf8.ts';

export interface StreamLimits {
  /** Bytes (UTF-8) of encoded events after which the stream ends with `error` `stream_too_large`. */
  maxLogBytes: number;
  retentionMs: number;
  coalesceWords: number;
  coalesceHoldMs: number;
  /** Bytes of artifacts one stream may store; past it `putArtifact` refuses with `stream_too_large`. */
  maxArtifactBytes: number;
}

/** The `retry` every stream announces on its first event. */
export const RETRY_MS = 1000;

/** Why a stream ended, as its `done.reason` says. Apps may add their own reasons. */
export type EndReason = 'stop' | 'length' | 'cancelled' | 'error' | (string & {});

/** Events every stream may carry whatever the app declared; the engine writes them itself too. */
export interface ReservedEvents {
  hello: unknown;
  error: { type: string; message: string };
}

/** What a `Stream` needs from its engine. */
export interface StreamContext {
  store: StreamStore;
  limits: StreamLimits;
  observer: EngineObserver;
  /** The data of `done` beyond `reason` (engine-made endings use it too). */
  doneData: (stream: Stream) => object;
  /** Checks app-emitted data against the vocabulary; undefined when fine. */
  check: (event: string, data: unknown) => string | undefined;
  /** The event `text()` coalesces into (`{text}` data), if any. */
  textEvent: string | undefined;
  /** Events that count as one piece each in `textPieces` (a model's reasoning tokens…). */
  countedEvents?: ReadonlySet<string>;
  onEnd: (stream: Stream) => void;
  /** The lease the store drops with the end (`Coordinator.storeLease`), if it does. */
  lease?: StoreLease;
  /** A reader of this stream's log from `afterSeq` on. */
  reader: (info: StreamInfo, afterSeq: number) => StreamReader;
}

/** Told once when a stream has finished (`Stream.whenFinished`). */
export interface FinishListener {
  streamFinished(): void;
}

/** Told once when a stream's `signal` aborts (`Stream.whenAborted`). */
export interface AbortListener {
  streamAborted(): void;
}

/** The settled promise every new stream starts from (not one each: every open stream held two). */
const SETTLED: Promise<void> = Promise.resolve();

/** A stream's method that appends coalesced text: keyed by a symbol no other module has. */
const appendText = Symbol('appendText');
/** How the engine gets a stream's first frame to store with its creation (not for apps). */
export const firstFrame = Symbol('firstFrame');
/** The stream's `[longestTextHold]()`: the longest any of its text waited in a coalescer (ms). */
export const longestTextHold = Symbol('longestTextHold');

/** What a text coalescer writes to (its stream). */
interface TextTarget {
  [appendText](event: string, text: string, pieces: number): void;
}

/** A text event's coalescer, the pieces it holds (not yet in the log), and the next event's (see `Stream.text`). */
class TextEntry extends Coalescer {
  readonly event: string;
  readonly #target: TextTarget;
  held = 0;
  next: TextEntry | undefined = undefined;

  constructor(event: string, bounds: CoalescerBounds, target: TextTarget) {
    super(bounds);
    this.event = event;
    this.#target = target;
  }

  protected emit(text: string): void {
    // The coalescer emits everything it holds: every piece given so far is in `text`.
    const pieces = this.held;
    this.held = 0;
    this.#target[appendText](this.event, text, pieces);
  }
}

export class Stream<E extends EventMap = EventMap, M = unknown> {
  readonly info: StreamInfo<M>;
  readonly #context: StreamContext;
  readonly #abort = new AbortController();
  /**
   * The coalescer of each text event `text()` wrote, and the pieces it holds (not yet in the
   * log), in the order they were made: a list, since a stream has one or two (a Map would hold
   * a hash table per open stream).
   */
  #texts: TextEntry | undefined;
  #sentText = false;
  /** Pieces of text in the log. */
  #textPieces = 0;
  #seq = 0;
  #bytes = 0;
  #artifacts = 0;
  #artifactBytes = 0;
  /** For an adopted stream: counts the artifacts its first owner stored, before the next is put. */
  #countingArtifacts: Promise<void> | undefined;
  #ended = false;
  #abandoned = false;
  #pending: Promise<void> = SETTLED;
  /** The store's promise for the last append: appends a store batches share one (see `#write`). */
  #lastStored: Promise<void> | undefined;
  /** The log's end went with its last append (`StreamStore.endsWithAppend`). */
  #endAppended = false;
  /** This writer in the store's fence: `first` until its first call (two objects per stream, not one per event). */
  #logWriter: LogWriter = { id: newId(), first: true };
  #failure: Error | undefined;
  /**
   * Whether the stream has finished (`finished`). The promise is made only when asked for: an
   * open stream held it and its resolve function (160 B) for nobody, where a listener
   * (`whenFinished`) is one object of the app's.
   */
  #hasFinished = false;
  #finished: Promise<void> | undefined;
  #resolveFinished: (() => void) | undefined;
  #finishListener: FinishListener | undefined;
  #abortListener: AbortListener | undefined;

  /**
   * `resume` continues a log that another instance started (a takeover): numbering goes on
   * from its last event, and artifact numbering from the last artifact in the store.
   */
  constructor(
    info: StreamInfo<M>,
    context: StreamContext,
    resume?: { seq: number; bytes: number; textPieces?: number },
  ) {
    this.info = info;
    this.#context = context;
    this.#seq = resume?.seq ?? 0;
    this.#bytes = resume?.bytes ?? 0;
    this.#textPieces = resume?.textPieces ?? 0;
    this.#countingArtifacts = resume ? undefined : SETTLED;
  }

  /** Settles once the stream has ended and its last event is in the store. */
  get finished(): Promise<void> {
    if (this.#hasFinished) return SETTLED;
    this.#finished ??= new Promise((resolve) => {
      this.#resolveFinished = resolve;
    });
    return this.#finished;
  }

  /**
   * Calls `listener.streamFinished()` once the stream has finished, as `finished` settles
   * (at once if it has): one object of the caller's per stream, not a promise and a closure.
   * A stream has one such listener.
   */
  whenFinished(listener: FinishListener): void {
    if (this.#finishListener) throw new Error('a stream has one finish listener');
    if (this.#hasFinished) listener.streamFinished();
    else this.#finishListener = listener;
  }

  get id(): string {
    return this.info.streamId;
  }
  get meta(): M {
    return this.info.meta;
  }
  /** Aborted when the stream is cancelled or ends early; pass it to the work that feeds it. */
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
  /** UTF-8 bytes of the encoded log so far. */
  get bytes(): number {
    return this.#bytes;
  }
  /**
   * How many pieces given to `text()`, and events of the engine's `countedEvents`, are in the
   * log (a model's tokens, for the chat gateway); what the size bound refused does not count.
   */
  get textPieces(): number {
    return this.#textPieces;
  }

  /** A reader of this stream from `afterSeq` on (the start response's reader: 0). */
  reader(afterSeq = 0): StreamReader<M> {
    return this.#context.reader(this.info, afterSeq) as StreamReader<M>;
  }

  /**
   * Calls `listener.streamAborted()` once `signal` aborts (at once if it has), right after the
   * signal's own listeners: what the work that feeds the stream needs to stop, as one object of
   * its own per stream, where a listener on the signal is two more objects in Node. A stream has
   * one such listener.
   */
  whenAborted(listener: AbortListener): void {
    if (this.#abortListener) throw new Error('a stream has one abort listener');
    if (this.#abort.signal.aborted) listener.streamAborted();
    else this.#abortListener = listener;
  }

  /** Appends one event of the vocabulary. Throws a `TidewireError` `invalid_event` on bad data. */
  emit<K extends keyof E & string>(event: K, data: E[K]): void {
    if (this.#ended) return;
    const problem = this.#context.check(event, data);
    if (problem) throw new TidewireError('invalid_event', `event "${event}": ${problem}`);
    this.#flushText();
    if (this.#append(event, data) && this.#context.countedEvents?.has(event)) this.#textPieces++;
  }

  /**
   * Adds text; it leaves as `event` (`{text}` data; default: the engine's `textEvent`),
   * coalesced into words. Each event has its own coalescer; text held for another event
   * goes out first, so the log keeps the order of the pieces.
   */
  text(piece: string, event?: keyof E & string): void {
    if (this.#ended) return;
    const name = event ?? this.#context.textEvent;
    if (!name)
      throw new TidewireError('invalid_event', 'text() needs an event, or the engine option `textEvent`');
    let entry: TextEntry | undefined;
    for (let each = this.#texts; each; each = each.next) {
      if (each.event === name) entry = each;
      else each.flush();
    }
    entry ??= this.#createCoalescer(name);
    entry.held++;
    entry.push(piece);
  }

  /**
   * Stores a binary result (an image, a chunk of audio) beside the log and returns its number
   * `n` (1, 2, …), for the app to name in an event (its URL). It is in the store when this
   * resolves, so an event emitted afterwards never names a missing artifact. Refuses a stream
   * that has ended, a store without artifacts, and bytes past `maxArtifactBytes`.
   */
  async putArtifact(artifact: Artifact): Promise<number> {
    const { store, limits } = this.#context;
    if (this.#ended) throw new TidewireError('stream_ended', `stream ${this.id} has ended`);
    if (!store.putArtifact)
      throw new TidewireError('artifacts_unsupported', 'the stream store keeps no artifacts');
    this.#countingArtifacts ??= this.#countStoredArtifacts();
    await this.#countingArtifacts;
    if (this.#artifactBytes + artifact.bytes.byteLength > limits.maxArtifactBytes)
      throw new TidewireError(
        'stream_too_large',
        `the stream's artifacts passed ${limits.maxArtifactBytes} bytes`,
      );
    const n = ++this.#artifacts;
    this.#artifactBytes += artifact.bytes.byteLength;
    await store.putArtifact(this.id, n, artifact);
    return n;
  }

  /**
   * Counts the artifacts already stored for an adopted stream (its first owner may have stored
   * one no event names yet), so the next is numbered after them and the byte bound holds.
   */
  async #countStoredArtifacts(): Promise<void> {
    const store = this.#context.store as Required<StreamStore>;
    for (let n = this.#artifacts + 1; ; n++) {
      const stored = await store.getArtifact(this.id, n);
      if (!stored) return;
      this.#artifacts = n;
      this.#artifactBytes += stored.bytes.byteLength;
    }
  }

  /** Ends the stream with `done {reason, ...data}` (data defaults to the engine's `doneData`). */
  async end(reason: EndReason = 'stop', data?: object): Promise<void> {
    if (this.#ended) return this.finished;
    this.#flushText();
    this.#append('done', { reason, ...(data ?? this.#context.doneData(this)) }, true);
    return this.#close();
  }

  /**
   * Ends the stream with `error {type, message}` then `done {reason: "error"}`, and aborts
   * `signal` (the work that fed it stops).
   */
  async fail(type: string, message: string, data?: object): Promise<void> {
    if (this.#ended) return this.finished;
    this.#flushText();
    this.#append('error', { type, message });
    this.#append('done', { reason: 'error', ...(data ?? this.#context.doneData(this)) }, true);
    const closing = this.#close();
    this.#abortWith(new TidewireError(type, message));
    return closing;
  }

  /** Ends a log whose last event is already `done` (its writer died before closing it). */
  async closeLog(): Promise<void> {
    if (this.#ended) return this.finished;
    return this.#close();
  }

  /** Stops the work: flushes held text, ends with `done {reason: "cancelled"}`, aborts `signal`. */
  async cancel(data?: object): Promise<void> {
    const ending = this.end('cancelled', data);
    this.#abortWith(new TidewireError('cancelled', 'the stream was cancelled'));
    return ending;
  }

  /**
   * Aborts `signal` with `reason` without ending the stream: the work that feeds it stops, and
   * ends the stream itself (a first-token timeout that fails it with its own error, after
   * storing what it has). One signal per stream serves both a cancel and the work's own stop.
   */
  interrupt(reason: Error): void {
    if (!this.#ended) this.#abortWith(reason);
  }

  /**
   * Stops writing without ending the log: another owner continues this stream (this one
   * lost its lease, or hands it to its next start), so it must not append anything more.
   */
  abandon(): void {
    if (this.#ended) return;
    this.#abandoned = true;
    this.#ended = true;
    this.#disposeText();
    this.#abortWith(new TidewireError('abandoned', 'another owner continues this stream'));
    this.#context.onEnd(this);
    this.#finish();
  }

  /** Resolves once every appended event is in the store (matters for asynchronous stores). */
  drained(): Promise<void> {
    return this.#pending;
  }

  /** Appends the first event (the engine's `hello`). */
  appendFirst(event: string, data: unknown): void {
    this.#append(event, data);
  }

  /**
   * The first event (the engine's `hello`) encoded and counted as appended, with its writer's
   * first call, for a store that stores it as it creates the stream (`createWithFirst`);
   * undefined when it passes the size bound (`appendFirst` fails the stream then).
   */
  [firstFrame](event: string, data: unknown): FirstFrame | undefined {
    const frame = encodeEvent(event, data, formatEventId(this.id, 1), RETRY_MS);
    const size = utf8Length(frame);
    if (this.#seq !== 0 || size > this.#context.limits.maxLogBytes) return undefined;
    this.#seq = 1;
    this.#bytes = size;
    return { frame, writer: this.#writer() };
  }

  #createCoalescer(event: string): TextEntry {
    const { limits } = this.#context;
    const entry = new TextEntry(
      event,
      { maxWords: limits.coalesceWords, maxHoldMs: limits.coalesceHoldMs },
      this,
    );
    let last = this.#texts;
    while (last?.next) last = last.next;
    if (last) last.next = entry;
    else this.#texts = entry;
    return entry;
  }

  /** Appends what a text coalescer emits, counting its pieces when the log took it. */
  [appendText](event: string, text: string, pieces: number): void {
    if (this.#append(event, { text })) this.#textPieces += pieces;
  }

  [longestTextHold](): number {
    let longest = 0;
    for (let each = this.#texts; each; each = each.next) longest = Math.max(longest, each.longestHold);
    return longest;
  }

  /** Writes the text every coalescer holds. */
  #flushText(): void {
    for (let each = this.#texts; each; each = each.next) each.flush();
  }

  #disposeText(): void {
    for (let each = this.#texts; each; each = each.next) each.dispose();
  }

  /**
   * Appends an event (`last`: the log's last, which `#close` ends); false when it was refused
   * (the stream ended, or the size bound).
   */
  #append(event: string, data: unknown, last = false): boolean {
    if (this.#ended) return false;
    const seq = ++this.#seq;
    const frame = encodeEvent(event, data, formatEventId(this.id, seq), seq === 1 ? RETRY_MS : undefined);
    const size = utf8Length(frame);
    const { limits, observer } = this.#context;
    if (this.#bytes + size > limits.maxLogBytes && event !== 'done' && event !== 'error') {
      this.#seq--;
      void this.fail('stream_too_large', `the stream passed its size bound of ${limits.maxLogBytes} bytes`);
      this.#abortWith(new TidewireError('stream_too_large', 'the stream passed its size bound'));
      return false;
    }
    this.#bytes += size;
    this.#write(seq, frame, last);
    if (event === this.#context.textEvent && !this.#sentText) {
      this.#sentText = true;
      observer.onFirstDelta?.(this.info, Date.now() - this.info.createdAt);
    } else if (event === 'error') {
      observer.onStreamError?.(this.info, (data as { type: string }).type);
    }
    return true;
  }

  #write(seq: number, frame: string, last: boolean): void {
    if (this.#failure) return;
    try {
      const end = last ? this.#endWith() : undefined;
      const result = this.#context.store.append(this.id, seq, frame, this.#writer(), end);
      // A store that batches appends answers a batch's frames with one promise: its outcome is
      // taken once (64 frames of a batch made 64 pairs of promises that settle together).
      if (!result || result === this.#lastStored) return;
      this.#lastStored = result;
      // Its outcome is taken now: a later append refused while an earlier one is still on its
      // way (a pipelined store) would otherwise be a rejection nobody handles yet.
      const failed = result.then(
        () => undefined,
        (error: Error) => error,
      );
      this.#pending = this.#pending.then(async () => {
        const error = await failed;
        if (this.#lastStored === result) this.#lastStored = undefined;
        if (error) this.#storeFailed(error);
      });
    } catch (error) {
      this.#storeFailed(error as Error);
    }
  }

  /** How the log's last frame ends it, for a store that ends a log with its last append. */
  #endWith(): LogEnd | undefined {
    if (!this.#context.store.endsWithAppend) return undefined;
    this.#endAppended = true;
    return { retentionMs: this.#context.limits.retentionMs, lease: this.#context.lease };
  }

  /** Who calls the store now: `first` only on this writer's first call. */
  #writer(): LogWriter {
    const writer = this.#logWriter;
    if (writer.first) this.#logWriter = { id: writer.id, first: false };
    return writer;
  }

  #storeFailed(error: Error): void {
    this.#failure ??= error;
    this.#context.observer.onError?.(error, this.info);
    this.#abortWith(error);
  }

  async #close(): Promise<void> {
    this.#ended = true;
    this.#disposeText();
    try {
      await this.#pending;
      // A writer whose appends failed (a fenced writer: another owner took the stream over;
      // or the store is down) must not end a log it no longer writes: it steps aside as an
      // abandoned writer, and the stream's next owner continues from the log.
      if (!this.#failure && !this.#endAppended)
        await this.#context.store.end(
          this.id,
          this.#context.limits.retentionMs,
          this.#writer(),
          this.#context.lease,
        );
    } catch (error) {
      this.#storeFailed(error as Error);
    }
    if (this.#failure) this.#abandoned = true;
    this.#context.onEnd(this);
    this.#finish();
  }

  #abortWith(reason: unknown): void {
    if (this.#abort.signal.aborted) return;
    this.#abort.abort(reason);
    const listener = this.#abortListener;
    this.#abortListener = undefined;
    listener?.streamAborted();
  }

  #finish(): void {
    this.#hasFinished = true;
    this.#abortListener = undefined; // the work has ended: nothing more to stop
    this.#resolveFinished?.();
    const listener = this.#finishListener;
    this.#finishListener = undefined;
    listener?.streamFinished();
  }
}
