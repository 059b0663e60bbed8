/**
 * `LiveReader`: follows the streams other processes write. The fencing scripts announce each
 * append and each end on the stream's channel (`keys.live`, the last sequence number stored);
 * this process subscribes, on one connection, to the channels of the streams it follows, and
 * on an announcement reads that one log (`XRANGE`) from where its slowest follower stands.
 * An event costs one read of one key, however many streams are followed (a blocking `XREAD`
 * over every followed key cost work in proportion to all of them, for each event).
 * Nothing is missed: a stream's log is read once its subscription is in place, and every read
 * is by entry id from a follower's position, so an announcement lost or late costs nothing but
 * the wait for the next. When the subscription connection fails, every follower is told (its
 * client resumes).
 * @module
 */
import type { LogReader } from '../store.ts';
import { keys } from './keys.ts';
import { entriesAfter, type LogEntry, type RawEntry } from './log-entries.ts';
import type { RedisClient } from './redis-store.ts';

const COUNT = 500;

interface Follower {
  reader: LogReader;
  lastSeq: number;
}

/** One followed stream: its followers and whether its log is being read. */
interface Followed {
  readonly streamId: string;
  readonly followers: Set<Follower>;
  /** Subscribed (the log may be read: nothing appended from now on goes unannounced). */
  subscribed: boolean;
  reading: boolean;
  /** An announcement came while reading: read once more after. */
  again: boolean;
}

export class LiveReader {
  readonly #control: RedisClient;
  readonly #streams = new Map<string, Followed>();
  /** The subscription connection, made on the first follow and again after one failed. */
  #subscriber: Promise<RedisClient> | undefined;
  #closed = false;

  private constructor(control: RedisClient) {
    this.#control = control;
  }

  static async start(control: RedisClient): Promise<LiveReader> {
    return new LiveReader(control);
  }

  /** Follows the stream from just after `afterSeq`. Returns a function that stops. */
  follow(streamId: string, afterSeq: number, reader: LogReader): () => void {
    const follower: Follower = { reader, lastSeq: afterSeq };
    let followed = this.#streams.get(streamId);
    if (!followed) {
      followed = { streamId, followers: new Set(), subscribed: false, reading: false, again: false };
      this.#streams.set(streamId, followed);
      this.#subscribe(followed);
    }
    followed.followers.add(follower);
    // Entries appended since this follower's replay: read them now (a subscribed stream is not
    // announced again for them).
    if (followed.subscribed) this.#read(followed);
    return () => this.#remove(followed, follower);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#streams.clear();
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    (await subscriber?.catch(() => undefined))?.destroy();
  }

  #connect(): Promise<RedisClient> {
    if (this.#subscriber) return this.#subscriber;
    const subscriber = this.#control.duplicate({ disableOfflineQueue: true });
    const connecting = subscriber.connect().then(() => subscriber as RedisClient);
    this.#subscriber = connecting;
    // A failed connection is dropped whole (its subscriptions with it): the next follow makes another.
    subscriber.on('error', (error: Error) => {
      if (this.#subscriber !== connecting) return;
      this.#subscriber = undefined;
      subscriber.destroy();
      this.#failAll(error);
    });
    connecting.catch(() => {});
    return connecting;
  }

  #subscribe(followed: Followed): void {
    const channel = keys.live(followed.streamId);
    this.#connect()
      .then((subscriber) => subscriber.subscribe(channel, (last) => this.#announced(followed, Number(last))))
      .then(() => {
        followed.subscribed = true;
        this.#read(followed);
      })
      .catch((error: Error) => this.#fail(followed, error));
  }

  #announced(followed: Followed, lastSeq: number): void {
    for (const follower of followed.followers) {
      if (follower.lastSeq < lastSeq) {
        this.#read(followed);
        return;
      }
    }
  }

  #remove(followed: Followed, follower: Follower): void {
    if (!followed.followers.delete(follower) || followed.followers.size > 0) return;
    if (this.#streams.get(followed.streamId) !== followed) return;
    this.#streams.delete(followed.streamId);
    this.#unsubscribe(followed.streamId);
  }

  #unsubscribe(streamId: string): void {
    this.#subscriber
      ?.then((subscriber) => (subscriber.isReady ? subscriber.unsubscribe(keys.live(streamId)) : undefined))
      .catch(() => {});
  }

  /** Reads the log from the slowest follower on, until nothing new is announced meanwhile. */
  #read(followed: Followed): void {
    if (followed.reading) {
      followed.again = true;
      return;
    }
    followed.reading = true;
    this.#readLoop(followed)
      .catch((error: Error) => this.#fail(followed, error))
      .finally(() => {
        followed.reading = false;
      });
  }

  async #readLoop(followed: Followed): Promise<void> {
    for (;;) {
      followed.again = false;
      if (followed.followers.size === 0) return;
      let from = Number.POSITIVE_INFINITY;
      for (const f of followed.followers) from = Math.min(from, f.lastSeq);
      const raw = (await this.#control.sendCommand([
        'XRANGE',
        keys.log(followed.streamId),
        `(0-${from}`,
        '+',
        'COUNT',
        String(COUNT),
      ])) as unknown as RawEntry[];
      this.#deliver(followed, entriesAfter(raw, from));
      if (raw.length < COUNT && !followed.again) return;
    }
  }

  #deliver(followed: Followed, entries: LogEntry[]): void {
    for (const follower of [...followed.followers]) {
      const fresh = entries.filter((e) => e.seq > follower.lastSeq);
      const frames = fresh.filter((e) => !e.end).map((e) => e.frame);
      if (frames.length > 0) {
        follower.lastSeq += frames.length;
        follower.reader.onFrames(frames, follower.lastSeq);
      }
      if (fresh.some((e) => e.end)) {
        this.#remove(followed, follower);
        follower.reader.onEnd();
      }
    }
  }

  /** A stream's subscription or read failed: its followers are told (their clients resume). */
  #fail(followed: Followed, error: Error): void {
    if (this.#streams.get(followed.streamId) === followed) {
      this.#streams.delete(followed.streamId);
      this.#unsubscribe(followed.streamId);
    }
    const followers = [...followed.followers];
    followed.followers.clear();
    if (!this.#closed) for (const f of followers) f.reader.onError(error);
  }

  /** The subscription connection failed: every follower is told (its connection ends, the client resumes). */
  #failAll(error: Error): void {
    const all = [...this.#streams.values()];
    this.#streams.clear();
    for (const followed of all) this.#fail(followed, error);
  }
}
