/**
 * The Redis `Coordinator`. A lease is `SET owner INSTANCE NX PX ttl`, renewed with a
 * compare-and-expire script, and mirrored in a sorted set scored by expiry so that every
 * instance can find expired leases cheaply. Cancels travel on a pub/sub channel.
 * An instance renews all its leases together, `RENEW_AT_ONCE` in one script call, one pass at a
 * time: renewed one after another, 10,000 leases took longer than a lease lasts, and another
 * instance took over streams whose owner was alive; one call per lease (pipelined) cost a
 * command, a promise and an encoded request each, per pass: kilobytes per held stream that a
 * busy process promoted to its old generation.
 * The leases live in the store's Redis, so a new stream's lease is taken by the store's create
 * script in the same round trip as the stream, and dropped by its end script (`storeLease`); a
 * coordinator on another Redis than its store's must not be given to the engine with it.
 * @module
 */
import type { Coordinator, StoreLease } from '../coordinator.ts';
import { newId } from '../ids.ts';
import { keys } from './keys.ts';
import type { RedisClient } from './redis-store.ts';
import { CLAIM_LEASE, RELEASE_LEASE, runScript, script } from './scripts.ts';

/** Leases renewed by one script call in a renewal pass (bounds the time Redis spends in it). */
const RENEW_AT_ONCE = 1000;

/** Takes the lease if nobody holds it, and lists it by expiry, in one round trip. */
const CLAIM = script(`${CLAIM_LEASE}
return claim(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])`);

/**
 * Renews leases, each only while this instance still holds it. KEYS: the running set, then each
 * lease's owner key; ARGV: the instance, ms, expiry, then each lease's stream id. Returns the
 * positions (from 1) of the leases it did not renew.
 */
const RENEW = script(`local lost = {}
for i = 2, #KEYS do
  if redis.call('get', KEYS[i]) == ARGV[1] then
    redis.call('pexpire', KEYS[i], ARGV[2])
    redis.call('zadd', KEYS[1], ARGV[3], ARGV[i + 2])
  else
    lost[#lost + 1] = i - 1
  end
end
return lost`);

/** Drops the lease only while this instance still holds it. */
const RELEASE = script(`${RELEASE_LEASE}
release(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
return 1`);

/** Drops the lease and marks it expired now, so the next sweep anywhere takes the stream over. */
const HAND_OFF = script(`if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('del', KEYS[1])
  redis.call('zadd', KEYS[2], 0, ARGV[2])
end
return 1`);

export interface RedisCoordinatorOptions {
  leaseMs: number;
}

type Handlers = Parameters<Coordinator['listen']>[0];

export class RedisCoordinator implements Coordinator {
  readonly instanceId = newId();
  readonly storeLease: StoreLease;
  readonly #client: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #leaseMs: number;
  readonly #owned = new Set<string>();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #handlers: Handlers | undefined;
  #renewing = false;

  private constructor(client: RedisClient, subscriber: RedisClient, options: RedisCoordinatorOptions) {
    this.#client = client;
    this.#subscriber = subscriber;
    this.#leaseMs = options.leaseMs;
    this.storeLease = { owner: this.instanceId, ms: options.leaseMs };
  }

  static async start(client: RedisClient, options: RedisCoordinatorOptions): Promise<RedisCoordinator> {
    const subscriber = client.duplicate();
    subscriber.on('error', () => {});
    await subscriber.connect();
    const coordinator = new RedisCoordinator(client, subscriber, options);
    await subscriber.subscribe(keys.cancel, (streamId) => coordinator.#handlers?.onCancel(streamId));
    const every = (ms: number, task: () => Promise<void>) => {
      const timer = setInterval(() => void task().catch(() => {}), ms);
      timer.unref();
      coordinator.#timers.push(timer);
    };
    every(Math.max(10, Math.floor(options.leaseMs / 3)), () => coordinator.#renewAll());
    every(Math.max(10, Math.floor(options.leaseMs / 2)), () => coordinator.#sweep());
    return coordinator;
  }

  listen(handlers: Handlers): void {
    this.#handlers = handlers;
  }

  async own(streamId: string, taken = false): Promise<void> {
    if (taken) this.#owned.add(streamId);
    else await this.#claim(streamId);
  }

  async release(streamId: string, dropped = false): Promise<void> {
    this.#owned.delete(streamId);
    if (dropped) return;
    await runScript(this.#client, RELEASE, [keys.owner(streamId), keys.running], [this.instanceId, streamId]);
  }

  async handOff(streamId: string): Promise<void> {
    this.#owned.delete(streamId);
    await runScript(
      this.#client,
      HAND_OFF,
      [keys.owner(streamId), keys.running],
      [this.instanceId, streamId],
    );
  }

  async requestCancel(streamId: string): Promise<void> {
    await this.#client.publish(keys.cancel, streamId);
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#owned.clear();
    this.#subscriber.destroy();
  }

  /** Takes the lease if nobody holds it. */
  async #claim(streamId: string): Promise<boolean> {
    const taken = await runScript(
      this.#client,
      CLAIM,
      [keys.owner(streamId), keys.running],
      [this.instanceId, String(this.#leaseMs), String(Date.now() + this.#leaseMs), streamId],
    );
    if (taken !== 1) return false;
    this.#owned.add(streamId);
    return true;
  }

  /** Renews every lease held, `RENEW_AT_ONCE` at a time; a pass still running skips the next. */
  async #renewAll(): Promise<void> {
    if (this.#renewing) return;
    this.#renewing = true;
    try {
      const owned = [...this.#owned];
      for (let at = 0; at < owned.length; at += RENEW_AT_ONCE) {
        await this.#renew(owned.slice(at, at + RENEW_AT_ONCE));
      }
    } finally {
      this.#renewing = false;
    }
  }

  /** Renews the leases of `streamIds` in one script call; one held by another instance now is lost. */
  async #renew(streamIds: string[]): Promise<void> {
    const scriptKeys = [keys.running];
    for (const streamId of streamIds) scriptKeys.push(keys.owner(streamId));
    const args = [this.instanceId, String(this.#leaseMs), String(Date.now() + this.#leaseMs)];
    for (const streamId of streamIds) args.push(streamId);
    const lost = (await runScript(this.#client, RENEW, scriptKeys, args)) as number[];
    for (const position of lost) {
      const streamId = streamIds[position - 1]!;
      if (this.#owned.delete(streamId)) this.#handlers?.onLeaseLost(streamId);
    }
  }

  /** Finds streams whose lease expired and takes them over, one claim each. */
  async #sweep(): Promise<void> {
    const expired = await this.#client.zRangeByScore(keys.running, 0, Date.now());
    for (const streamId of expired) {
      if (this.#owned.has(streamId) || !(await this.#claim(streamId))) continue;
      await this.#handlers?.onOrphan(streamId).catch(() => this.release(streamId));
    }
  }
}
