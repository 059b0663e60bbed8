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

/** A reader here: where it stands, and how it stops (changed when it moves to the `LiveReader`). */
export interface LocalFollower {
  reader: LogReader;
  lastSeq: number;
  stop: () => void;
}

interface LocalLog {
  /** The newest frame stored and handed over (its sequence number). */
  stored: number;
  /** The newest frames (`RECENT` to twice that), the last one numbered `stored`. */
  recent: string[];
  /** Frames stored out of order, by sequence number, until the ones before them are. */
  early: Map<number, string>;
  /** The end was stored; readers are told once every frame before it is handed over. */
  ending: boolean;
  followers: Set<LocalFollower>;
}

export class LocalFanout {
  readonly #logs = new Map<string, LocalLog>();

  /** Whether this process writes `streamId`. */
  writes(streamId: string): boolean {
    return this.#logs.has(streamId);
  }

  /** This process writes `streamId` from just after `afterSeq` (0 for a stream it created). */
  writing(streamId: string, afterSeq: number): void {
    if (this.#logs.has(streamId)) return;
    this.#logs.set(streamId, {
      stored: afterSeq,
      recent: [],
      early: new Map(),
      ending: false,
      followers: new Set(),
    });
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
      for (let i = 0; i < frames.length; i++) log.early.set(firstSeq + i, frames[i]!);
      return;
    }
    this.#handOver(log, handed > 0 ? frames.slice(handed) : frames);
    for (let next = log.early.get(log.stored + 1); next !== undefined; next = log.early.get(log.stored + 1)) {
      log.early.delete(log.stored + 1);
      this.#handOver(log, [next]);
    }
    if (log.ending && log.early.size === 0) this.#finish(streamId, log);
  }

  /** The end of `streamId` is stored: its readers end once they have every frame. */
  ended(streamId: string): void {
    const log = this.#logs.get(streamId);
    if (!log) return;
    log.ending = true;
    if (log.early.size === 0) this.#finish(streamId, log);
  }

  /** This process no longer writes `streamId`: its readers, to be followed by other means. */
  lost(streamId: string): LocalFollower[] {
    const log = this.#logs.get(streamId);
    this.#logs.delete(streamId);
    return log ? [...log.followers] : [];
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
    const follower: LocalFollower = { reader, lastSeq: afterSeq, stop: () => log.followers.delete(follower) };
    if (missing > 0) {
      follower.lastSeq = log.stored;
      reader.onFrames(log.recent.slice(log.recent.length - missing), log.stored);
    }
    log.followers.add(follower);
    return follower;
  }

  /** Hands `frames`, those right after the newest handed over, to the readers (shared: not to be changed). */
  #handOver(log: LocalLog, frames: string[]): void {
    const first = log.stored + 1;
    log.stored += frames.length;
    for (const frame of frames) log.recent.push(frame);
    if (log.recent.length > 2 * RECENT) log.recent.splice(0, log.recent.length - RECENT);
    for (const follower of log.followers) {
      if (log.stored <= follower.lastSeq) continue; // a replay already gave it these frames
      const given = follower.lastSeq + 1 - first; // by a replay: a follower joins where one ended
      follower.lastSeq = log.stored;
      follower.reader.onFrames(given > 0 ? frames.slice(given) : frames, log.stored);
    }
  }

  #finish(streamId: string, log: LocalLog): void {
    this.#logs.delete(streamId);
    for (const follower of log.followers) follower.reader.onEnd();
    log.followers.clear();
  }
}
