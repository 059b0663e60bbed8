/**
 * The durable `StreamStore` for one host: every stream's log lives in a SQLite file, so a
 * restarted process still serves every resume and can continue the generations that were
 * running when it stopped (`orphans()`).
 *
 * `append` never waits for the disk: frames are queued and written by one shared flush per tick
 * (one transaction for every stream), and readers get frames only once that transaction has
 * committed. So a frame a client has seen is always on disk first: a crash between a batch's
 * append and its delivery loses nothing that was delivered. (What a power loss can lose is said
 * in `log-file.ts`.) Replay reads the file; only the readers and the tail being written are in
 * memory.
 * @module
 */
import { StoreUnavailableError } from '../errors.ts';
import type {
  Artifact,
  ArtifactStore,
  LogReader,
  LogTail,
  LogWriter,
  StoredLog,
  StreamInfo,
  StreamStore,
} from '../store.ts';
import { fenceSeq, fenceWriter } from '../writer-fence.ts';
import { LogFile, type LogFileOptions, type StreamRow } from './log-file.ts';
import { WriteBatch } from './write-batch.ts';

const REPLAY_BATCH = 1000;

export interface DurableStoreOptions extends LogFileOptions {
  /** The clock used for retention (tests inject one). */
  now?: () => number;
  /** How often expired streams are deleted from the file. */
  sweepMs?: number;
  /** A stream nobody ended is deleted this long after its creation (a lost generation's leftovers). */
  staleRunningMs?: number;
  /** A timed sweep failed (the file could not be written); the next one tries again. */
  onSweepError?: (error: Error) => void;
}

interface Follower {
  reader: LogReader;
  /** Sequence number of the last frame this reader was given. */
  lastSeq: number;
}

/** A stream this process writes or follows. */
interface LiveStream {
  readonly streamId: string;
  readonly sid: number;
  /** Last sequence number accepted (queued or on disk). */
  lastSeq: number;
  /** This process appends to it (so it is no orphan). */
  writer: boolean;
  /** `end` was called: no more appends. */
  ending: boolean;
  readers: Set<Follower>;
  /** A write failed: the log stops at what is on disk; appends and readers get this error. */
  failure?: Error;
  /** The writer of the last entry (fencing: see `writer-fence.ts`). */
  lastWriter?: string;
}

export class DurableStreamStore implements StreamStore, ArtifactStore {
  readonly #file: LogFile;
  readonly #now: () => number;
  readonly #staleRunningMs: number;
  readonly #live = new Map<string, LiveStream>();
  readonly #sweep: ReturnType<typeof setInterval>;
  #batch: WriteBatch<LiveStream> | undefined;
  #closed = false;

  /** Opens (or creates) the file; throws `LogFileLockedError` when another process holds it. */
  constructor(options: DurableStoreOptions) {
    this.#file = new LogFile(options);
    this.#now = options.now ?? Date.now;
    this.#staleRunningMs = options.staleRunningMs ?? 24 * 60 * 60 * 1000;
    this.sweep();
    this.#sweep = setInterval(() => {
      try {
        this.sweep();
      } catch (error) {
        options.onSweepError?.(error as Error);
      }
    }, options.sweepMs ?? 60_000);
    this.#sweep.unref?.();
  }

  async create(info: StreamInfo): Promise<void> {
    this.#assertOpen();
    const row = this.#file.find(info.streamId);
    if ((row && !this.#expired(row)) || this.#live.has(info.streamId))
      throw new Error(`stream ${info.streamId} exists`);
    if (row) this.#file.delete([row.sid]); // an expired stream not yet swept: its id is free again
    const sid = this.#file.insertStream(info.streamId, JSON.stringify(info), this.#now());
    this.#live.set(info.streamId, {
      streamId: info.streamId,
      sid,
      lastSeq: 0,
      writer: true,
      ending: false,
      readers: new Set(),
    });
  }

  /** Queues the frame; the returned promise settles when its batch is on disk (nobody needs to wait). */
  append(streamId: string, seq: number, frame: string, writer?: LogWriter): Promise<void> {
    this.#assertOpen();
    const live = this.#liveStream(streamId);
    if (!live || live.ending) throw new Error(`stream ${streamId} is not open for appends`);
    if (live.failure) throw live.failure;
    fenceSeq(streamId, live.lastSeq, seq);
    fenceWriter(streamId, live, writer);
    live.lastSeq = seq;
    live.writer = true;
    const batch = this.#openBatch();
    batch.frames.push({ stream: live, seq, frame });
    return batch.written;
  }

  async end(streamId: string, retentionMs: number, writer?: LogWriter): Promise<void> {
    this.#assertOpen();
    const live = this.#liveStream(streamId);
    if (!live || live.ending) return;
    fenceWriter(streamId, live, writer);
    live.ending = true;
    live.writer = true;
    if (live.failure) throw live.failure;
    const batch = this.#openBatch();
    batch.ends.push({ stream: live, expiresAt: this.#now() + retentionMs });
    return batch.written;
  }

  async info(streamId: string): Promise<StreamInfo | undefined> {
    this.#assertOpen();
    const row = this.#row(streamId);
    return row ? (JSON.parse(row.info) as StreamInfo) : undefined;
  }

  /** Where the log stands: its last sequence number on disk (after a flush) and whether it ended. */
  async tail(streamId: string): Promise<LogTail | undefined> {
    this.#assertOpen();
    this.#flush();
    const row = this.#row(streamId);
    return row && { lastSeq: row.lastSeq, ended: row.ended };
  }

  /** Everything a takeover needs: the info, every frame on disk, whether the stream ended. */
  async read(streamId: string): Promise<StoredLog | undefined> {
    this.#assertOpen();
    this.#flush();
    const row = this.#row(streamId);
    if (!row) return undefined;
    const frames: string[] = [];
    for (const page of this.#pages(row.sid, 0)) frames.push(...page);
    return { info: JSON.parse(row.info) as StreamInfo, frames, ended: row.ended };
  }

  /**
   * Writes the artifact at once, in its own transaction: it is on disk before any frame that
   * names it (those wait for the next batch).
   */
  async putArtifact(streamId: string, n: number, artifact: Artifact): Promise<void> {
    this.#assertOpen();
    const live = this.#liveStream(streamId);
    if (!live || live.ending) throw new Error(`stream ${streamId} is not open for artifacts`);
    if (this.#file.artifact(live.sid, n)) throw new Error(`stream ${streamId} already has artifact ${n}`);
    this.#file.insertArtifact(live.sid, n, artifact.type, artifact.bytes);
  }

  async getArtifact(streamId: string, n: number): Promise<Artifact | undefined> {
    this.#assertOpen();
    const sid = this.#live.get(streamId)?.sid ?? this.#row(streamId)?.sid;
    return sid === undefined ? undefined : this.#file.artifact(sid, n);
  }

  /**
   * The streams that were running when the file was last closed (or its process died) and that
   * no one has continued since: the app takes each over (`read`, then append from its end).
   */
  async orphans(): Promise<string[]> {
    this.#assertOpen();
    return this.#file.running().filter((streamId) => !this.#live.get(streamId)?.writer);
  }

  follow(streamId: string, afterSeq: number, reader: LogReader): () => void {
    if (this.#closed) {
      reader.onError(new StoreUnavailableError('the stream log is closed'));
      return () => {};
    }
    const live = this.#live.get(streamId);
    const row = live ? undefined : this.#row(streamId);
    const sid = live?.sid ?? row?.sid;
    if (sid === undefined) {
      reader.onError(new Error(`stream ${streamId} not found`));
      return () => {};
    }
    if (live?.failure) {
      reader.onError(live.failure);
      return () => {};
    }
    const replayed = this.#replay(sid, afterSeq, reader);
    if (row?.ended) {
      reader.onEnd();
      return () => {};
    }
    const target = live ?? this.#attach(row!);
    const follower: Follower = { reader, lastSeq: replayed };
    target.readers.add(follower);
    return () => {
      target.readers.delete(follower);
      if (target.readers.size === 0 && !target.writer && this.#live.get(streamId) === target)
        this.#live.delete(streamId);
    };
  }

  /** Deletes streams whose retention has passed (runs on a timer; callable by tests). */
  sweep(): void {
    if (this.#closed) return;
    const now = this.#now();
    const gone = this.#file
      .expired(now, now - this.#staleRunningMs)
      .filter((s) => !this.#live.has(s.streamId));
    this.#file.delete(gone.map((s) => s.sid));
  }

  /** Writes what is queued, then closes the file. Streams not ended stay unended (orphans of the next start). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    clearInterval(this.#sweep);
    this.#live.clear();
    this.#file.close();
  }

  /** Sends the reader the frames on disk after `afterSeq`; returns the last sequence number sent. */
  #replay(sid: number, afterSeq: number, reader: LogReader): number {
    let seq = afterSeq;
    for (const page of this.#pages(sid, afterSeq)) {
      seq += page.length;
      reader.onFrames(page, seq);
    }
    return seq;
  }

  /** The frames on disk after `afterSeq`, a page at a time. */
  *#pages(sid: number, afterSeq: number): Generator<string[]> {
    for (let seq = afterSeq; ; ) {
      const page = this.#file.frames(sid, seq, REPLAY_BATCH);
      if (page.length > 0) yield page;
      if (page.length < REPLAY_BATCH) return;
      seq += page.length;
    }
  }

  /** The row of a stream that exists and has not expired. */
  #row(streamId: string): StreamRow | undefined {
    const row = this.#file.find(streamId);
    return row && !this.#expired(row) ? row : undefined;
  }

  #expired(row: StreamRow): boolean {
    return row.expiresAt !== null && row.expiresAt <= this.#now();
  }

  /** The live state of a stream, loaded from the file when this process has not touched it yet. */
  #liveStream(streamId: string): LiveStream | undefined {
    const live = this.#live.get(streamId);
    if (live) return live;
    const row = this.#row(streamId);
    return row && !row.ended ? this.#attach(row) : undefined;
  }

  #attach(row: StreamRow): LiveStream {
    const live: LiveStream = {
      streamId: row.streamId,
      sid: row.sid,
      lastSeq: row.lastSeq,
      writer: false,
      ending: false,
      readers: new Set(),
    };
    this.#live.set(row.streamId, live);
    return live;
  }

  #openBatch(): WriteBatch<LiveStream> {
    if (!this.#batch) {
      this.#batch = new WriteBatch();
      setImmediate(() => this.#flush());
    }
    return this.#batch;
  }

  /** Commits the queued batch, then delivers it: readers only ever see committed frames. */
  #flush(): void {
    const batch = this.#batch;
    if (!batch) return;
    this.#batch = undefined;
    try {
      this.#file.write(
        batch.frames.map((f) => ({ sid: f.stream.sid, seq: f.seq, frame: f.frame })),
        batch.ends.map((e) => ({ sid: e.stream.sid, expiresAt: e.expiresAt })),
      );
    } catch (cause) {
      this.#failed(batch, cause);
      return;
    }
    batch.resolve();
    for (const [live, { frames, lastSeq }] of batch.byStream()) deliver(live, frames, lastSeq);
    for (const { stream: live } of batch.ends) {
      this.#live.delete(live.streamId);
      for (const follower of live.readers) follower.reader.onEnd();
      live.readers.clear();
    }
  }

  /**
   * A batch could not be written: its streams stop at what is on disk (a consistent prefix, which
   * the next start continues as orphans). Their writers and readers are told.
   */
  #failed(batch: WriteBatch<LiveStream>, cause: unknown): void {
    const error = new StoreUnavailableError(
      `the stream log could not be written: ${(cause as Error).message}`,
      {
        cause,
      },
    );
    for (const live of batch.streams()) {
      live.failure = error;
      for (const follower of live.readers) follower.reader.onError(error);
      live.readers.clear();
    }
    batch.reject(error);
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreUnavailableError('the stream log is closed');
  }
}

/** Gives each reader the part of `frames` (ending at `lastSeq`) it does not have yet. */
function deliver(live: LiveStream, frames: string[], lastSeq: number): void {
  const firstSeq = lastSeq - frames.length + 1;
  for (const follower of [...live.readers]) {
    if (follower.lastSeq >= lastSeq || !live.readers.has(follower)) continue;
    const fresh = follower.lastSeq < firstSeq ? frames : frames.slice(follower.lastSeq - firstSeq + 1);
    follower.lastSeq = lastSeq;
    follower.reader.onFrames(fresh, lastSeq);
  }
}
