/**
 * The `StreamStore` interface: where a stream's event log lives. The in-memory store serves
 * one process; the Redis store lets any instance serve any resume. Callers never know which.
 * @module
 */
import type { StoreLease } from './coordinator.ts';

/**
 * What is known about a stream besides its events. `meta` is the app's own per-stream data
 * (its owner, what started the generation so another instance can continue it…): opaque to
 * the engine, kept as JSON by shared stores.
 */
export interface StreamInfo<M = unknown> {
  streamId: string;
  createdAt: number;
  meta: M;
}

/** A whole log at once: what a takeover needs to continue a stream. */
export interface StoredLog {
  info: StreamInfo;
  /** `frames[i]` holds the frame of sequence number `i + 1`. */
  frames: string[];
  ended: boolean;
}

/** Where a log stands: its last event's sequence number, and whether it has ended. */
export interface LogTail {
  lastSeq: number;
  ended: boolean;
}

/** A reader of one stream's log. Frames arrive in sequence order, each exactly once. */
export interface LogReader {
  /** Encoded frames; `lastSeq` is the sequence number of the last one. */
  onFrames(frames: string[], lastSeq: number): void;
  /** The stream has ended and every frame was delivered. */
  onEnd(): void;
  /** The log cannot be read any more (store failure, stream expired mid-read). */
  onError(error: Error): void;
}

/**
 * Who appends to a log. A stream has one writer at a time, but a takeover can start while the
 * old owner's last appends are still on their way: a writer's `first` append may follow any
 * writer's entry, every later one only its own, so two writers can never interleave.
 */
export interface LogWriter {
  /** Unique per writer (per `Stream` object). */
  id: string;
  /** True on the writer's first call (append or end) for this stream. */
  first: boolean;
}

/**
 * A binary result of a stream (an image, a chunk of audio), stored beside its log: same owner,
 * same retention. `type` is its media type (`image/png`, `audio/wav`…).
 */
export interface Artifact {
  type: string;
  bytes: Uint8Array;
}

/** The artifact half of a store: optional, a store that has it says so by having both methods. */
export interface ArtifactStore {
  /**
   * Stores artifact `n` of a running stream; it lives as long as the log (it is freed with it,
   * `retentionMs` after the end). Refuses a stream that is unknown or ended, and an `n` already
   * taken (an artifact never changes once a client may have fetched it).
   */
  putArtifact(streamId: string, n: number, artifact: Artifact): Promise<void>;
  /** Artifact `n` of a stream, or undefined when there is none (or the stream expired). */
  getArtifact(streamId: string, n: number): Promise<Artifact | undefined>;
}

/** How a log ends with its last frame (`StreamStore.endsWithAppend`): as `end` would end it. */
export interface LogEnd {
  retentionMs: number;
  /** The coordinator's lease, dropped with the end. */
  lease?: StoreLease;
}

/** A log's first frame (sequence number 1) and its writer, stored with the stream's creation. */
export interface FirstFrame {
  frame: string;
  /** The writer's first call. */
  writer: LogWriter;
}

/**
 * A check an app makes of a new stream in the same atomic step as a shared store creates it (a
 * start's admission under the app's limits, counted where the stream is stored): a start then
 * waits for one round trip, not two. Opaque to the engine; a store takes only its own kind
 * (`store`), such as the Redis store's `RedisAdmission`, and refuses a start it does not admit
 * with the error the admission names.
 */
export interface StoreAdmission {
  /** Which store's admission this is (`'redis'`). */
  readonly store: string;
}

export interface StreamStore extends Partial<ArtifactStore> {
  /** Registers a new, empty stream. */
  create(info: StreamInfo): Promise<void>;
  /**
   * Optional, for a shared store where each step is a round trip: `create` and the append of
   * the first frame, and given `lease` the coordinator's lease on the stream, in one step.
   * Refuses an existing stream as `create` does, storing nothing. Resolves true when it took
   * the lease (false when there was none to take, or another instance holds it). Given an
   * `admission` of its kind, it checks it in the same step, after the existence check: a start
   * it refuses stores nothing and rejects with the admission's error.
   */
  createWithFirst?(
    info: StreamInfo,
    first: FirstFrame,
    lease?: StoreLease,
    admission?: StoreAdmission,
  ): Promise<boolean>;
  /**
   * Appends the frame with sequence number `seq` (the previous one plus 1). Refuses a `seq`
   * that is not the next one, and (given `writer`) an append after another writer's entry
   * unless it is this writer's first: a fenced writer's append fails. Memory stores return
   * synchronously.
   */
  append(
    streamId: string,
    seq: number,
    frame: string,
    writer?: LogWriter,
    end?: LogEnd,
  ): void | Promise<void>;
  /**
   * Optional, for a store where each call is a round trip: true when `append` takes `end` (the
   * log's last frame, `done`) and then ends the log with that frame, in the same step: the frame
   * and the end are stored together or refused together, and no `end` call follows.
   */
  readonly endsWithAppend?: boolean;
  /**
   * Marks the stream ended (fenced like `append`); its log stays readable for `retentionMs`,
   * then is freed. A store with `createWithFirst` is given the coordinator's `lease` too, and
   * drops it in the same step (when its owner still holds it).
   */
  end(streamId: string, retentionMs: number, writer?: LogWriter, lease?: StoreLease): Promise<void>;
  /** The stream's info, or undefined when unknown or expired. */
  info(streamId: string): Promise<StreamInfo | undefined>;
  /** Where the log stands (cheap: no frame is read), or undefined when unknown or expired. */
  tail(streamId: string): Promise<LogTail | undefined>;
  /** The whole log, or undefined when unknown or expired. */
  read(streamId: string): Promise<StoredLog | undefined>;
  /**
   * Follows the log from just after `afterSeq`: replay, then live frames, with no gap and no
   * duplicate. Returns a function that detaches the reader.
   */
  follow(streamId: string, afterSeq: number, reader: LogReader): () => void;
  /**
   * This process stops writing `streamId` without ending it (another owner continues it: its
   * lease was lost, or it was handed off). A store that serves this process's readers of the
   * streams it writes from memory has them follow the log by other means from here on.
   */
  stopWriting?(streamId: string): void;
  /** Releases connections and timers. */
  close(): Promise<void>;
}
