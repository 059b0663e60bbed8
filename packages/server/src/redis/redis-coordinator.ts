/**
 * The Redis `Coordinator`. A lease is `SET owner INSTANCE NX PX ttl`, renewed with a
 * compare-and-expire script, and mirrored in a sorted set scored by expiry so that every
 * instance can find expired leases cheaply. Cancels travel on a pub/sub channel.
 * @module
 */
import type { Coordinator } from '../coordinator.ts';
import { newId } from '../ids.ts';
import { keys } from './keys.ts';
import type { RedisClient } from './redis-store.ts';

/** Takes the lease if nobody holds it, and lists it by expiry, in one round trip. */
const CLAIM = `if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('zadd', KEYS[2], ARGV[3], ARGV[4])
  return 1
end
return 0`;

/** Renews the lease only while this instance still holds it. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('pexpire', KEYS[1], ARGV[2])
  redis.call('zadd', KEYS[2], ARGV[3], ARGV[4])
  return 1
end
return 0`;

/** Drops the lease only while this instance still holds it. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('del', KEYS[1]) end
redis.call('zrem', KEYS[2], ARGV[2])
return 1`;

/** Drops the lease and marks it expired now, so the next sweep anywhere takes the stream over. */
const HAND_OFF = `if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('del', KEYS[1])
  redis.call('zadd', KEYS[2], 0, ARGV[2])
end
return 1`;

export interface RedisCoordinatorOptions {
  leaseMs: number;
}

type Handlers = Parameters<Coordinator['listen']>[0];

export class RedisCoordinator implements Coordinator {
  readonly instanceId = newId();
  readonly #client: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #leaseMs: number;
  readonly #owned = new Set<string>();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #handlers: Handlers | undefined;

  private constructor(client: RedisClient, subscriber: RedisClient, options: RedisCoordinatorOptions) {
    this.#client = client;
    this.#subscriber = subscriber;
    this.#leaseMs = options.leaseMs;
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

  async own(streamId: string): Promise<void> {
    await this.#claim(streamId);
  }

  async release(streamId: string): Promise<void> {
    this.#owned.delete(streamId);
    await this.#client.eval(RELEASE, {
      keys: [keys.owner(streamId), keys.running],
      arguments: [this.instanceId, streamId],
    });
  }

  async handOff(streamId: string): Promise<void> {
    this.#owned.delete(streamId);
    await this.#client.eval(HAND_OFF, {
      keys: [keys.owner(streamId), keys.running],
      arguments: [this.instanceId, streamId],
    });
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
    const taken = await this.#client.eval(CLAIM, {
      keys: [keys.owner(streamId), keys.running],
      arguments: [this.instanceId, String(this.#leaseMs), String(Date.now() + this.#leaseMs), streamId],
    });
    if (taken !== 1) return false;
    this.#owned.add(streamId);
    return true;
  }

  async #renewAll(): Promise<void> {
    for (const streamId of [...this.#owned]) {
      const renewed = await this.#client.eval(RENEW, {
        keys: [keys.owner(streamId), keys.running],
        arguments: [this.instanceId, String(this.#leaseMs), String(Date.now() + this.#leaseMs), streamId],
      });
      if (renewed !== 1 && this.#owned.delete(streamId)) this.#handlers?.onLeaseLost(streamId);
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
