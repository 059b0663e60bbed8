/**
 * The `StreamEngine`: starts streams of the app's own events, opens readers from resume points
 * (a resume is just a reader that starts earlier), cancels, and keeps the heartbeat. It knows
 * nothing of what the events mean: the app declares its vocabulary and its per-stream `meta`,
 * and drives each generation through the `Stream` it gets back.
 * @module
 */
import { type EventMap, TidewireError, type Vocabulary } from '@tidewire/protocol';
import type { Coordinator } from './coordinator.ts';
import { Heartbeat } from './heartbeat.ts';
import { newId } from './ids.ts';
import { MemoryStreamStore } from './memory-store.ts';
import type { EngineObserver } from './observer.ts';
import { type ReaderContext, StreamReader, storeFailureFrames } from './reader.ts';
import type { ResumePoint } from './resume-point.ts';
import type { SSESink } from './sink.ts';
import type {
  Artifact,
  FirstFrame,
  LogTail,
  StoreAdmission,
  StoredLog,
  StreamInfo,
  StreamStore,
} from './store.ts';
import { firstFrame, longestTextHold, Stream, type StreamContext, type StreamLimits } from './stream.ts';
import { utf8Length } from './utf8.ts';

export interface EngineOptions<E extends EventMap = EventMap, M = unknown> {
  /** The app's events (`defineEvents(…)`); data is checked on emit when it has schemas. */
  events?: Vocabulary<E>;
  /** Where logs live; a `MemoryStreamStore` by default. */
  store?: StreamStore;
  /** The data of each stream's first event, `hello`. Default: `{stream_id, ts}`. */
  hello?: (stream: { streamId: string; meta: M; ts: number }) => unknown;
  /**
   * Fields of `done` beside `reason` when the engine ends a stream (cancel, failures); no
   * stream when a reader's store failed under it.
   */
  doneData?: (stream: Stream<E, M> | undefined) => object;
  /** The event `stream.text()` coalesces into, with data `{text}` (e.g. `delta`). */
  textEvent?: keyof E & string;
  /** Events that each count as one piece in `stream.textPieces` besides `text()` (reasoning tokens…). */
  countedEvents?: readonly (keyof E & string)[];
  /** Interval of `ping` on every open connection; 0 = none. Default 20 s. */
  heartbeatMs?: number;
  maxLogBytes?: number;
  /** How long an ended stream stays replayable. */
  retentionMs?: number;
  coalesceWords?: number;
  coalesceHoldMs?: number;
  /** Bytes of artifacts (images, audio) one stream may store. */
  maxArtifactBytes?: number;
  observer?: EngineObserver;
  /** With a shared store: leases, cancels across instances, takeovers. */
  coordinator?: Coordinator;
  /** Called with a stream this instance must take over (its owner died). */
  onOrphan?: (streamId: string) => Promise<void>;
}

export const DEFAULT_LIMITS: StreamLimits = {
  maxLogBytes: 8 * 1024 * 1024,
  retentionMs: 300_000,
  coalesceWords: 6,
  coalesceHoldMs: 30,
  maxArtifactBytes: 64 * 1024 * 1024,
};

/** `open`'s answer: a reader, or nothing to read (unknown, expired, or not this caller's). */
export type OpenResult<M> =
  | { status: 'attached'; info: StreamInfo<M>; reader: StreamReader<M> }
  | { status: 'not_found' };

export interface OpenOptions<M> {
  /** Whether this caller may read a stream with this `meta` (an ownership check). */
  authorize?: (meta: M) => boolean | Promise<boolean>;
}

export class StreamEngine<E extends EventMap = EventMap, M = unknown> {
  readonly limits: StreamLimits;
  readonly #store: StreamStore;
  readonly #observer: EngineObserver;
  readonly #heartbeat: Heartbeat;
  readonly #running = new Map<string, Stream<E, M>>();
  readonly #sinks = new Set<SSESink>();
  readonly #coordinator: Coordinator | undefined;
  readonly #hello: (stream: { streamId: string; meta: M; ts: number }) => unknown;
  readonly #streamContext: StreamContext;
  /** What every reader shares (one object, not one per open connection). */
  readonly #readerContext: ReaderContext;
  #closing = false;

  constructor(options: EngineOptions<E, M> = {}) {
    this.#store = options.store ?? new MemoryStreamStore();
    this.#observer = options.observer ?? {};
    this.limits = { ...DEFAULT_LIMITS, ...definedOnly(options) };
    this.#heartbeat = new Heartbeat(options.heartbeatMs ?? 20_000, (n) => this.#observer.onPing?.(n));
    this.#coordinator = options.coordinator;
    this.#hello = options.hello ?? (({ streamId, ts }) => ({ stream_id: streamId, ts }));
    const events = options.events;
    this.#readerContext = {
      store: this.#store,
      heartbeat: this.#heartbeat,
      observer: this.#observer,
      sinks: this.#sinks,
      failureFrames: storeFailureFrames(options.doneData?.(undefined) ?? {}),
    };
    this.#streamContext = {
      store: this.#store,
      limits: this.limits,
      observer: this.#observer,
      doneData: (options.doneData as StreamContext['doneData']) ?? (() => ({})),
      check: events ? (event, data) => events.check(event, data) : () => undefined,
      textEvent: options.textEvent,
      countedEvents: options.countedEvents && new Set(options.countedEvents),
      onEnd: (stream) => this.#streamEnded(stream as Stream<E, M>),
      // A store that takes a stream's lease as it creates it drops it as it ends it.
      lease: this.#store.createWithFirst ? this.#coordinator?.storeLease : undefined,
      reader: (info, afterSeq) => this.reader(info as StreamInfo<M>, afterSeq),
    };
    this.#coordinator?.listen({
      onCancel: (streamId) => void this.#running.get(streamId)?.cancel(),
      onLeaseLost: (streamId) => this.#running.get(streamId)?.abandon(),
      onOrphan: (streamId) => options.onOrphan?.(streamId) ?? Promise.resolve(),
    });
  }

  /**
   * Creates a stream and appends its `hello` event. `id` lets a client name the stream it
   * asks for (an idempotent start): a taken id is a `TidewireError` `stream_exists`. Given an
   * `admission` (`StoreAdmission`), the store checks it as it creates the stream, and a start it
   * refuses rejects with the admission's error (a store that cannot check one is a `TypeError`).
   */
  async start(init: { meta: M; id?: string; admission?: StoreAdmission }): Promise<Stream<E, M>> {
    if (init.admission && !this.#store.createWithFirst)
      throw new TypeError('this stream store cannot check an admission as it creates a stream');
    const info: StreamInfo<M> = { streamId: init.id ?? newId(), createdAt: Date.now(), meta: init.meta };
    const stream = new Stream<E, M>(info, this.#streamContext);
    const hello = this.#hello({ streamId: info.streamId, meta: info.meta, ts: info.createdAt });
    // A shared store stores the stream, its lease and its `hello` in one round trip.
    const first = this.#store.createWithFirst && stream[firstFrame]('hello', hello);
    await this.#create(info, init.id, first, init.admission);
    this.#running.set(info.streamId, stream);
    this.#observer.onStreamStart?.(info);
    if (!first) stream.appendFirst('hello', hello);
    return stream;
  }

  /** Creates the stream in the store (with its first frame when given) and takes its lease. */
  async #create(
    info: StreamInfo<M>,
    id: string | undefined,
    first: FirstFrame | undefined,
    admission: StoreAdmission | undefined,
  ): Promise<void> {
    let leased = false;
    try {
      if (first && this.#store.createWithFirst)
        leased = await this.#store.createWithFirst(info, first, this.#coordinator?.storeLease, admission);
      else await this.#store.create(info);
    } catch (error) {
      if (id && (await this.#store.info(id))) {
        throw new TidewireError('stream_exists', `stream ${id} exists`, { status: 409, cause: error });
      }
      throw error;
    }
    await this.#coordinator?.own(info.streamId, leased);
  }

  /** The whole log of a stream (what a takeover continues from), or undefined. */
  read(streamId: string): Promise<StoredLog | undefined> {
    return this.#store.read(streamId);
  }

  /**
   * Continues a stream another owner started and can no longer finish: numbering goes on
   * after the log's frames. The caller holds its lease and drives the generation.
   */
  adopt(log: StoredLog, state: { textPieces?: number } = {}): Stream<E, M> {
    const bytes = log.frames.reduce((sum, frame) => sum + utf8Length(frame), 0);
    const info = log.info as StreamInfo<M>;
    const stream = new Stream<E, M>(info, this.#streamContext, {
      seq: log.frames.length,
      bytes,
      textPieces: state.textPieces,
    });
    this.#running.set(info.streamId, stream);
    this.#observer.onStreamAdopted?.(info);
    this.#observer.onStreamStart?.(info);
    return stream;
  }

  /** Gives up a stream adopted by mistake (it had already ended). */
  async release(streamId: string): Promise<void> {
    await this.#coordinator?.release(streamId);
  }

  /**
   * Where a stream's log stands (its last sequence number, whether it ended), on any instance
   * of a shared store; undefined when unknown or expired.
   */
  position(streamId: string): Promise<LogTail | undefined> {
    return this.#store.tail(streamId);
  }

  /** The running stream owned by this engine, if any. */
  running(streamId: string): Stream<E, M> | undefined {
    return this.#running.get(streamId);
  }

  get runningCount(): number {
    return this.#running.size;
  }

  /**
   * Opens a reader of a stream from a resume point. Answers `not_found` for an unknown or
   * expired stream, and for one `authorize` refuses (a stranger learns nothing more). A
   * point past the log's last event is a `TidewireError` (400 `invalid_after` or
   * `invalid_last_event_id`), the same on every store: no event there can ever come.
   */
  async open(point: ResumePoint, options: OpenOptions<M> = {}): Promise<OpenResult<M>> {
    const info = (await this.#store.info(point.streamId)) as StreamInfo<M> | undefined;
    if (!info) return { status: 'not_found' };
    if (options.authorize && !(await options.authorize(info.meta))) return { status: 'not_found' };
    if (point.afterSeq > 0) {
      const tail = await this.#store.tail(point.streamId);
      if (!tail) return { status: 'not_found' };
      if (point.afterSeq > tail.lastSeq) throw pastTheEnd(point, tail.lastSeq);
    }
    return { status: 'attached', info, reader: this.reader(info, point.afterSeq) };
  }

  /**
   * Artifact `n` of a stream (`stream.putArtifact`), or undefined when the stream or the
   * artifact is unknown, expired, or `authorize` refuses (the same answer for each).
   */
  async artifact(streamId: string, n: number, options: OpenOptions<M> = {}): Promise<Artifact | undefined> {
    const info = (await this.#store.info(streamId)) as StreamInfo<M> | undefined;
    if (!info || !this.#store.getArtifact) return undefined;
    if (options.authorize && !(await options.authorize(info.meta))) return undefined;
    return this.#store.getArtifact(streamId, n);
  }

  /** A reader of a stream whose info the caller holds (a stream it just started). */
  reader(info: StreamInfo<M>, afterSeq = 0): StreamReader<M> {
    return new StreamReader(info, afterSeq, this.#readerContext);
  }

  /**
   * Cancels a stream: here when this engine runs it, else by asking its owner (shared store).
   * Returns false when no running stream was found to cancel.
   */
  async cancel(streamId: string): Promise<boolean> {
    const stream = this.#running.get(streamId);
    if (stream) {
      await stream.cancel();
      return true;
    }
    if (!this.#coordinator) return false;
    await this.#coordinator.requestCancel(streamId);
    return true;
  }

  /** Ends every open connection (clients resume elsewhere); streams keep running. */
  endConnections(): void {
    for (const sink of [...this.#sinks]) sink.end();
  }

  /** Resolves when every running stream has ended, or after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<void> {
    const all = Promise.all([...this.#running.values()].map((s) => s.finished));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /**
   * Stops the engine. Streams still running are failed with `server_shutdown` (`error` then
   * `done`, so readers know), except with a coordinator: then they are handed off, and
   * another owner continues them.
   */
  async close(): Promise<void> {
    this.#closing = true;
    this.#heartbeat.stop();
    for (const stream of [...this.#running.values()]) {
      if (!this.#coordinator) {
        await stream.fail('server_shutdown', 'the server shut down before the stream ended');
        continue;
      }
      await stream.drained();
      stream.abandon();
      await this.#coordinator
        .handOff(stream.id)
        .catch((error) => this.#observer.onError?.(error, stream.info));
      this.#observer.onStreamHandedOff?.(stream.info);
    }
    this.endConnections();
    await this.#coordinator?.close();
    await this.#store.close();
  }

  #streamEnded(stream: Stream<E, M>): void {
    this.#running.delete(stream.id);
    if (stream.abandoned) this.#store.stopWriting?.(stream.id);
    // An abandoned writer whose store refused it (fenced by a takeover, or the store failed)
    // may still hold the lease: hand it off, so whoever continues reads the log afresh. (A
    // writer that lost its lease hands off nothing: the lease is no longer its own.)
    // (`close` hands its streams off itself.)
    const coordinator = this.#coordinator;
    const letGo = !stream.abandoned
      ? coordinator?.release(stream.id, this.#streamContext.lease !== undefined)
      : this.#closing
        ? undefined
        : coordinator?.handOff(stream.id);
    letGo?.catch((error) => this.#observer.onError?.(error, stream.info));
    this.#observer.onStreamEnd?.(stream.info, Date.now() - stream.info.createdAt);
    if (this.#observer.onStreamTextHeld) {
      const held = stream[longestTextHold]();
      if (held > 0) this.#observer.onStreamTextHeld(stream.info, held);
    }
  }
}

/** Creates an engine: `createEngine({ events, store, hello, … })`. */
export function createEngine<E extends EventMap = EventMap, M = unknown>(
  options: EngineOptions<E, M> = {},
): StreamEngine<E, M> {
  return new StreamEngine(options);
}

/** The error of a resume point beyond a log's last event. */
function pastTheEnd(point: ResumePoint, lastSeq: number): TidewireError {
  const [type, name] =
    point.via === 'after'
      ? (['invalid_after', 'after'] as const)
      : (['invalid_last_event_id', 'Last-Event-ID'] as const);
  return new TidewireError(
    type,
    `${name} names event ${point.afterSeq} but the stream has only ${lastSeq} events`,
    { status: 400 },
  );
}

function definedOnly(options: Partial<StreamLimits>): Partial<StreamLimits> {
  const out: Partial<StreamLimits> = {};
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof StreamLimits)[]) {
    if (options[key] !== undefined) out[key] = options[key];
  }
  return out;
}
