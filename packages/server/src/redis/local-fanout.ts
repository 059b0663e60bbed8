/**
 * `LocalFanout`: the streams this process writes, and this process's readers of them. A frame
 * Redis has stored goes straight to those readers, without a round trip through Redis: on the
 * instance that runs a generation (where its client usually is) a reader costs no Redis
 * command per event, and the `LiveReader` follows only streams written elsewhere.
 * Redis answers commands of one connection in order, so frames are handed over in order, the
 * frames of one stored batch in one call per reader (as a replay hands them); a
 * reader that would have to wait for a frame not seen here (it joined between a replay and
 * the frames stored meanwhile, older than the few kept) is left to the `LiveReader`. When this process
 * stops writing a stream (another writer took it over), its readers are handed to the `LiveReader`
 * from where each stood.
 * @module
 */
import type { LogReader } from '../store.ts';

/**
 * Frames kept per stream for a reader that joins just behind the newest stored one: at least
 * this many once stored, at most twice (the oldest are dropped this many at a time, not one
 * array shift per batch).
 */
const RECENT = 64;

/**
 * A reader here: where it stands, and how it stops (once moved to the `LiveReader`, there). A
 * class, not an object with a closure: one per open reader.
 */
export class LocalFollower {
  readonly reader: LogReader;
  lastSeq: number;
  /** The log it follows here; undefined once it stopped or moved. */
  #log: LocalLog | undefined;
  /** Stops it in the `LiveReader`, once it moved there. */
  #elsewhere: (() => void) | undefined;

  constructor(log: LocalLog, reader: LogReader, lastSeq: number) {
    this.#log = log;
    this.reader = reader;
    this.lastSeq = lastSeq;
  }

  stop(): void {
    this.#log?.remove(this);
    this.#log = undefined;
    this.#elsewhere?.();
    this.#elsewhere = undefined;
  }

  /** It is followed by other means from now on (`unfollow` stops that). */
  moved(unfollow: () => void): void {
    this.#log = undefined;
    this.#elsewhere = unfollow;
  }
}

/**
 * One stream this process writes. Most have one reader (the start response's) and never a frame
 * stored out of order: a second reader's set and the early frames' map are made when needed (an
 * empty `Map` or `Set` costs some 300 bytes, per idle stream).
 */
class LocalLog {
  /** The newest frame stored and handed over (its sequence number). */
  stored: number;
  /** The newest frames (`RECENT` to twice that), the last one numbered `stored`. */
  recent: string[] = [];
  /** Frames stored out of order, by sequence number, until the ones before them are. */
  early: Map<number, string> | undefined;
  /** The end was stored; readers are told once every frame before it is handed over. */
  ending = false;
  /**
   * How many entries the log had once this process's last call stored its batch (`XLEN`), and
   * whose call it was (the writer's id), while that is known: that writer's next call reads the
   * last entry only if the count changed.
   */
  entries: number | undefined = undefined;
  entriesWriter: string | undefined = undefined;
  /** Its readers: none, the only one, or (from a second on) a set of them. */
  #followers: LocalFollower | Set<LocalFollower> | undefined;

  constructor(stored: number) {
    this.stored = stored;
  }

  add(follower: LocalFollower): void {
    const followers = this.#followers;
    if (followers === undefined) this.#followers = follower;
    else if (followers instanceof Set) followers.add(follower);
    else this.#followers = new Set([followers, follower]);
  }

  remove(follower: LocalFollower): void {
    if (this.#followers === follower) this.#followers = undefined;
    else if (this.#followers instanceof Set) this.#followers.delete(follower);
  }

  /** The readers now (a copy: a reader may stop, or another join, while they are called). */
  followers(): LocalFollower[] {
    const followers = this.#followers;
    if (followers === undefined) return [];
    return followers instanceof Set ? [...followers] : [followers];
  }

  /** Hands `frames`, those right after the newest handed over, to the readers (shared: not to be changed). */
  handOver(frames: string[]): void {
    const first = this.stored + 1;
    this.stored += frames.length;
    for (const frame of frames) this.recent.push(frame);
    if (this.recent.length > 2 * RECENT) this.recent.splice(0, this.recent.length - RECENT);
    const followers = this.#followers;
    if (followers instanceof Set) for (const follower of followers) this.#give(follower, first, frames);
    else if (followers) this.#give(followers, first, frames);
  }

  #give(follower: LocalFollower, first: number, frames: string[]): void {
    if (this.stored <= follower.lastSeq) return; // a replay already gave it these frames
    const given = follower.lastSeq + 1 - first; // by a replay: a follower joins where one ended
    follower.lastSeq = this.stored;
    follower.reader.onFrames(given > 0 ? frames.slice(given) : frames, this.stored);
  }

  /** Every reader is told the end, and none is left. */
  finish(): void {
    const followers = this.followers();
    this.#followers = undefined;
    for (const follower of followers) follower.reader.onEnd();
  }
}

export class LocalFanout {
  readonly #logs = new Map<string, LocalLog>();

  /** Whether this process writes `streamId`. */
  writes(streamId: string): boolean {
    return this.#logs.has(streamId);
  }

  /** This process writes `streamId` from just after `afterSeq` (0 for a stream it created). */
  writing(streamId: string, afterSeq: number): void {
    if (!this.#logs.has(streamId)) this.#logs.set(streamId, new LocalLog(afterSeq));
  }

  /**
   * Frames `firstSeq`… of `streamId` (one batch) are stored: they, and any stored early after
   * them, go to the readers, a batch in one call per reader.
   */
  stored(streamId: string, firstSeq: number, frames: string[]): void {
    const log = this.#logs.get(streamId);
    if (!log) return;
    const handed = log.stored + 1 - firstSeq; // frames of the batch already handed over
    if (handed >= frames.length) return;
    if (handed < 0) {
      log.early ??= new Map();
      for (let i = 0; i < frames.length; i++) log.early.set(firstSeq + i, frames[i]!);
      return;
    }
    log.handOver(handed > 0 ? frames.slice(handed) : frames);
    const early = log.early;
    if (early) {
      for (let next = early.get(log.stored + 1); next !== undefined; next = early.get(log.stored + 1)) {
        early.delete(log.stored + 1);
        log.handOver([next]);
      }
      if (early.size === 0) log.early = undefined;
    }
    if (log.ending && !log.early) this.#finish(streamId, log);
  }

  /** After a call of `writer` stored frames of `streamId`: how many entries its log has now. */
  counted(streamId: string, entries: number, writer: string): void {
    const log = this.#logs.get(streamId);
    if (!log) return;
    log.entries = entries;
    log.entriesWriter = writer;
  }

  /**
   * How many entries `streamId`'s log had after this process's last call, when that call was
   * `writer`'s, its next frame is `firstSeq` and every frame before it is stored here; else undefined.
   */
  entriesBefore(streamId: string, firstSeq: number, writer: string): number | undefined {
    const log = this.#logs.get(streamId);
    if (!log || log.early || log.stored !== firstSeq - 1 || log.entriesWriter !== writer) return undefined;
    return log.entries;
  }

  /** The end of `streamId` is stored: its readers end once they have every frame. */
  ended(streamId: string): void {
    const log = this.#logs.get(streamId);
    if (!log) return;
    log.ending = true;
    if (!log.early) this.#finish(streamId, log);
  }

  /** This process no longer writes `streamId`: its readers, to be followed by other means. */
  lost(streamId: string): LocalFollower[] {
    const log = this.#logs.get(streamId);
    this.#logs.delete(streamId);
    return log ? log.followers() : [];
  }

  /**
   * Follows `streamId` here from just after `afterSeq` (what a replay already gave `reader`);
   * undefined when this process does not write it or cannot give every frame after `afterSeq`.
   */
  follow(streamId: string, afterSeq: number, reader: LogReader): LocalFollower | undefined {
    const log = this.#logs.get(streamId);
    if (!log || log.ending) return undefined;
    const missing = log.stored - afterSeq;
    if (missing > log.recent.length) return undefined;
    const follower = new LocalFollower(log, reader, afterSeq);
    if (missing > 0) {
      follower.lastSeq = log.stored;
      reader.onFrames(log.recent.slice(log.recent.length - missing), log.stored);
    }
    log.add(follower);
    return follower;
  }

  #finish(streamId: string, log: LocalLog): void {
    this.#logs.delete(streamId);
    log.finish();
  }
}
