/**
 * `LiveReader`: one dedicated connection that blocks in `XREAD` on every stream this process
 * follows, and fans each new entry out to that stream's readers. When the set of streams
 * changes, the blocked read is interrupted with `CLIENT UNBLOCK` so a new follower waits for
 * nothing. Reading by entry id means nothing appended in between is ever missed.
 * @module
 */
import type { LogReader } from '../store.ts';
import type { RedisClient } from './redis-store.ts';
import { toEntry } from './redis-store.ts';

const BLOCK_MS = 5000;
const COUNT = 500;

interface Follower {
  reader: LogReader;
  lastSeq: number;
}

export class LiveReader {
  readonly #client: RedisClient;
  readonly #control: RedisClient;
  readonly #clientId: number;
  readonly #streams = new Map<string, Set<Follower>>();
  #running = true;
  #blocked = false;
  /** Wakes the loop waiting for a first stream to follow (it waits on nothing else while none is followed). */
  #wakeIdle: (() => void) | undefined;
  #loop: Promise<void> = Promise.resolve();

  private constructor(client: RedisClient, control: RedisClient, clientId: number) {
    this.#client = client;
    this.#control = control;
    this.#clientId = clientId;
  }

  static async start(control: RedisClient): Promise<LiveReader> {
    const client = control.duplicate({ disableOfflineQueue: true });
    client.on('error', () => {});
    await client.connect();
    const id = Number(await client.sendCommand(['CLIENT', 'ID']));
    const live = new LiveReader(client, control, id);
    live.#loop = live.#run();
    return live;
  }

  /** Follows `key` from just after `afterSeq`. Returns a function that stops. */
  follow(key: string, afterSeq: number, reader: LogReader): () => void {
    const follower: Follower = { reader, lastSeq: afterSeq };
    const set = this.#streams.get(key) ?? new Set();
    this.#streams.set(key, set);
    set.add(follower);
    this.#interrupt();
    return () => this.#remove(key, follower);
  }

  async close(): Promise<void> {
    this.#running = false;
    this.#interrupt();
    await this.#loop.catch(() => {});
    this.#client.destroy();
  }

  #remove(key: string, follower: Follower): void {
    const set = this.#streams.get(key);
    if (!set?.delete(follower)) return;
    if (set.size === 0) this.#streams.delete(key);
  }

  #interrupt(): void {
    this.#wakeIdle?.();
    if (this.#blocked && this.#control.isReady) {
      this.#control.sendCommand(['CLIENT', 'UNBLOCK', String(this.#clientId)]).catch(() => {});
    }
  }

  async #run(): Promise<void> {
    while (this.#running) {
      if (this.#streams.size === 0) {
        await new Promise<void>((resolve) => {
          this.#wakeIdle = resolve;
        });
        this.#wakeIdle = undefined;
        continue;
      }
      const streamKeys = [...this.#streams.keys()];
      const ids = streamKeys.map(
        (key) => `0-${Math.min(...[...this.#streams.get(key)!].map((f) => f.lastSeq))}`,
      );
      let reply: [string, [string, string[]][]][] | null;
      try {
        this.#blocked = true;
        reply = (await this.#client.sendCommand([
          'XREAD',
          'COUNT',
          String(COUNT),
          'BLOCK',
          String(BLOCK_MS),
          'STREAMS',
          ...streamKeys,
          ...ids,
        ])) as unknown as typeof reply;
      } catch (error) {
        this.#blocked = false;
        if (!this.#running) return;
        this.#failAll(error as Error);
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      } finally {
        this.#blocked = false;
      }
      for (const [key, raw] of reply ?? []) this.#deliver(key, raw.map(toEntry));
    }
  }

  #deliver(key: string, entries: ReturnType<typeof toEntry>[]): void {
    for (const follower of [...(this.#streams.get(key) ?? [])]) {
      const fresh = entries.filter((e) => e.seq > follower.lastSeq);
      const frames = fresh.filter((e) => !e.end).map((e) => e.frame);
      if (frames.length > 0) {
        follower.lastSeq += frames.length;
        follower.reader.onFrames(frames, follower.lastSeq);
      }
      if (fresh.some((e) => e.end)) {
        this.#remove(key, follower);
        follower.reader.onEnd();
      }
    }
  }

  /** The connection failed: every follower is told (its connection ends, the client resumes). */
  #failAll(error: Error): void {
    const all = [...this.#streams.entries()];
    this.#streams.clear();
    for (const [, set] of all) for (const f of set) f.reader.onError(error);
  }
}
