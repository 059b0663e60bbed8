/**
 * The in-memory `StreamStore`: each stream's log is an array of encoded frames (packed into
 * one byte array once it has ended: `packed-frames.ts`), readers are callbacks. Replay and the
 * switch to live happen in one synchronous step, so an append can
 * never fall between them. All logs together are bounded (`maxRetainedBytes`): past it the
 * oldest finished logs are freed before their retention time (running ones never are).
 * @module
 */

import { packedCount, packFrames, unpackFrames } from './packed-frames.ts';
import type {
  Artifact,
  ArtifactStore,
  LogReader,
  LogTail,
  LogWriter,
  StoredLog,
  StreamInfo,
  StreamStore,
} from './store.ts';
import { utf8Length } from './utf8.ts';
import { fenceSeq, fenceWriter } from './writer-fence.ts';

interface MemoryLog {
  info: StreamInfo;
  /** `frames[i]` holds the frame of sequence number `i + 1`. */
  frames: string[];
  ended: boolean;
  /** UTF-8 bytes of its frames. */
  bytes: number;
  /** The writer of the last frame (see `LogWriter`). */
  lastWriter?: string;
  /**
   * Replaced, never changed in place: an append goes to the readers there were when it began.
   * A stream has one or two: an array of that length, not a hash table per open stream.
   */
  readers: readonly LogReader[];
  /** The stream's artifacts by number (made with the first: most streams have none); freed with the log. */
  artifacts?: Map<number, Artifact>;
  expiry?: ReturnType<typeof setTimeout>;
  /** A finished log's frames, packed (`packed-frames.ts`); `frames` is then empty. */
  packed?: Uint8Array;
}

/** How many frames a log holds. */
const countOf = (log: MemoryLog): number =>
  log.packed ? packedCount(log.packed, log.bytes) : log.frames.length;

/** A log's frames from index `from` on. */
const framesOf = (log: MemoryLog, from = 0): string[] =>
  log.packed ? unpackFrames(log.packed, log.bytes, from) : log.frames.slice(from);

const NO_READERS: readonly LogReader[] = Object.freeze([]);
/** A packed log's `frames`: never appended to (its log has ended). */
const NO_FRAMES = Object.freeze([]) as unknown as string[];

/** Frames a log holds at most while its array is kept exactly as long (an idle stream has ~4). */
const SHORT_LOG = 8;

export interface MemoryStoreOptions {
  /** Bytes (UTF-8) all logs may hold together. Default 256 MiB. */
  maxRetainedBytes?: number;
  /** A finished log was freed early to stay within `maxRetainedBytes`. */
  onEvict?: (streamId: string) => void;
}

export class MemoryStreamStore implements StreamStore, ArtifactStore {
  readonly #logs = new Map<string, MemoryLog>();
  /** Finished logs, oldest end first: the order of eviction. */
  readonly #finished = new Set<string>();
  readonly #maxRetainedBytes: number;
  readonly #onEvict: (streamId: string) => void;
  #bytes = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxRetainedBytes = options.maxRetainedBytes ?? 256 * 1024 * 1024;
    this.#onEvict = options.onEvict ?? (() => {});
  }

  /** UTF-8 bytes all logs hold. */
  get retainedBytes(): number {
    return this.#bytes;
  }

  async create(info: StreamInfo): Promise<void> {
    if (this.#logs.has(info.streamId)) throw new Error(`stream ${info.streamId} exists`);
    // Every field from the start: one added later spills into a properties array of its own.
    this.#logs.set(info.streamId, {
      info,
      frames: [],
      ended: false,
      bytes: 0,
      lastWriter: undefined,
      readers: NO_READERS,
      artifacts: undefined,
      expiry: undefined,
      packed: undefined,
    });
  }

  append(streamId: string, seq: number, frame: string, writer?: LogWriter): void {
    const log = this.#logs.get(streamId);
    if (!log || log.ended) throw new Error(`stream ${streamId} is not open for appends`);
    fenceSeq(streamId, log.frames.length, seq);
    fenceWriter(streamId, log, writer);
    // The first frames go in by `concat` (exactly as long): a push would leave room for 16 more
    // in every idle stream's log; past them, pushes (amortized growth).
    if (log.frames.length < SHORT_LOG) log.frames = log.frames.concat(frame);
    else log.frames.push(frame);
    const bytes = utf8Length(frame);
    log.bytes += bytes;
    this.#bytes += bytes;
    if (this.#bytes > this.#maxRetainedBytes) this.#evict();
    for (const reader of log.readers) reader.onFrames([frame], seq);
  }

  async end(streamId: string, retentionMs: number, writer?: LogWriter): Promise<void> {
    const log = this.#logs.get(streamId);
    if (!log || log.ended) return;
    fenceWriter(streamId, log, writer);
    log.ended = true;
    const readers = log.readers;
    log.readers = NO_READERS;
    for (const reader of readers) reader.onEnd();
    log.packed = packFrames(log.frames, log.bytes);
    log.frames = NO_FRAMES;
    this.#finished.add(streamId);
    log.expiry = setTimeout(() => this.#free(streamId), retentionMs);
    log.expiry.unref?.();
    if (this.#bytes > this.#maxRetainedBytes) this.#evict();
  }

  /** Frees the oldest finished logs until all fit in the budget (or none is left to free). */
  #evict(): void {
    for (const streamId of this.#finished) {
      if (this.#bytes <= this.#maxRetainedBytes) return;
      this.#free(streamId);
      this.#onEvict(streamId);
    }
  }

  #free(streamId: string): void {
    const log = this.#logs.get(streamId);
    if (!log) return;
    clearTimeout(log.expiry);
    this.#logs.delete(streamId);
    this.#finished.delete(streamId);
    this.#bytes -= log.bytes;
  }

  async info(streamId: string): Promise<StreamInfo | undefined> {
    return this.#logs.get(streamId)?.info;
  }

  async tail(streamId: string): Promise<LogTail | undefined> {
    const log = this.#logs.get(streamId);
    return log && { lastSeq: countOf(log), ended: log.ended };
  }

  async read(streamId: string): Promise<StoredLog | undefined> {
    const log = this.#logs.get(streamId);
    return log && { info: log.info, frames: framesOf(log), ended: log.ended };
  }

  async putArtifact(streamId: string, n: number, artifact: Artifact): Promise<void> {
    const log = this.#logs.get(streamId);
    if (!log || log.ended) throw new Error(`stream ${streamId} is not open for artifacts`);
    log.artifacts ??= new Map();
    if (log.artifacts.has(n)) throw new Error(`stream ${streamId} already has artifact ${n}`);
    log.artifacts.set(n, { type: artifact.type, bytes: artifact.bytes.slice() });
  }

  async getArtifact(streamId: string, n: number): Promise<Artifact | undefined> {
    return this.#logs.get(streamId)?.artifacts?.get(n);
  }

  follow(streamId: string, afterSeq: number, reader: LogReader): () => void {
    const log = this.#logs.get(streamId);
    if (!log) {
      reader.onError(new Error(`stream ${streamId} not found`));
      return () => {};
    }
    // A reader may cause appends while it handles the replay; loop until it has caught up.
    for (let next = afterSeq; next < countOf(log); ) {
      const batch = framesOf(log, next);
      next += batch.length;
      reader.onFrames(batch, next);
    }
    if (log.ended) {
      reader.onEnd();
      return () => {};
    }
    // `concat` makes an array exactly as long (a spread or a push leaves room for 16 more).
    log.readers = log.readers.concat(reader);
    return () => {
      const left = log.readers.filter((each) => each !== reader);
      log.readers = left.length === 0 ? NO_READERS : left;
    };
  }

  /** Number of streams held (for tests and metrics). */
  get size(): number {
    return this.#logs.size;
  }

  async close(): Promise<void> {
    for (const log of this.#logs.values()) clearTimeout(log.expiry);
    this.#logs.clear();
    this.#finished.clear();
    this.#bytes = 0;
  }
}
