/**
 * `RedisSlots`: concurrent generations per user shared by all instances. Each user has a
 * sorted set of slot ids scored by their expiry (Redis server time, so instance clocks do not
 * matter). The instance holding a slot pushes its expiry forward every third of a lease; when
 * an instance dies its slots stop being renewed and lapse within a lease, freeing themselves.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { StoreUnavailableError } from '@tidewire/server';
import type { RedisStreamStore } from '@tidewire/server/redis';
import type { Slots } from './slots.ts';

type RedisClient = RedisStreamStore['client'];

/** Redis server time in ms, inlined in each script. */
const NOW = `local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

/** KEYS[1] the user's set; ARGV: max, slot id, lease ms. 1 when taken, 0 when all are in use. */
const TAKE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** KEYS[1] the user's set; ARGV: lease ms, then the slot ids this instance holds. */
const RENEW = `${NOW}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0`;

const keyOf = (key: string) => `tw:slots:${key}`;

export class RedisSlots implements Slots {
  readonly #client: RedisClient;
  readonly #leaseMs: number;
  /** The slots this instance holds, by key. */
  readonly #held = new Map<string, Set<string>>();
  readonly #timer: NodeJS.Timeout;

  constructor(client: RedisClient, leaseMs: number) {
    this.#client = client;
    this.#leaseMs = leaseMs;
    this.#timer = setInterval(() => this.#renew(), Math.max(50, Math.floor(leaseMs / 3)));
    this.#timer.unref();
  }

  async take(key: string, max: number): Promise<(() => void) | undefined> {
    const slot = randomUUID();
    let taken: unknown;
    try {
      taken = await this.#client.eval(TAKE, {
        keys: [keyOf(key)],
        arguments: [String(max), slot, String(this.#leaseMs)],
      });
    } catch (cause) {
      throw new StoreUnavailableError('cannot count running streams in Redis', { cause });
    }
    if (Number(taken) !== 1) return undefined;
    const held = this.#held.get(key) ?? new Set<string>();
    this.#held.set(key, held.add(slot));
    return () => this.#release(key, slot);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #release(key: string, slot: string): void {
    const held = this.#held.get(key);
    if (!held?.delete(slot)) return;
    if (held.size === 0) this.#held.delete(key);
    // If Redis is away, the slot lapses by itself within a lease.
    this.#client.zRem(keyOf(key), slot).catch(() => {});
  }

  #renew(): void {
    for (const [key, slots] of this.#held) {
      this.#client
        .eval(RENEW, { keys: [keyOf(key)], arguments: [String(this.#leaseMs), ...slots] })
        .catch(() => {});
    }
  }
}
