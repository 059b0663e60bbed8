/**
 * `RedisCounts`: the stream limits shared by all instances, both taken by one script in one
 * round trip (`EVALSHA`). Running generations: each key has a sorted set of slot ids scored by
 * their expiry (Redis server time, so instance clocks do not matter); the instance holding a
 * slot pushes its expiry forward every third of a lease, and when an instance dies its slots
 * stop being renewed and lapse within a lease. The slots released in one event-loop turn go in
 * one `ZREM` per key, at the turn's end. New streams per minute: a counter per key that
 * expires a minute after its first start (the key and counting of rate-limiter-flexible's
 * `RateLimiterRedis`, which counted it before: instances of either version share the count).
 * A start naming a stream that exists (a repeated start) is counted against neither: the
 * script looks for the stream's info key first.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { StoreUnavailableError } from '@tidewire/server';
import { keys, loadScripts, type RedisClient, runScript, script } from '@tidewire/server/redis';
import type { Admission, LimitCounts, LimitShape } from './stream-limits.ts';

/** Redis server time in ms, inlined in each script. */
const NOW = `local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

const RATE_WINDOW_S = 60;
const RATE_WINDOW_ARG = String(RATE_WINDOW_S);

/**
 * KEYS: the key's slot set, its rate counter, and the info key of the stream the start names
 * (when it names one). ARGV: most slots (0: no bound), slot id, lease ms, most starts per
 * window (0: no bound), window s. Returns {1, 0} when admitted (the slot taken, a start
 * counted), {3, 0} when the named stream exists and {0, 0} when every slot is in use (nothing
 * counted), {2, ms before the window ends} when the rate is spent (the start is counted, as
 * rate-limiter-flexible counts it; no slot taken).
 */
const ADMIT = script(`local slots, rate = tonumber(ARGV[1]), tonumber(ARGV[4])
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 1 then return {3, 0} end
${NOW}
if slots > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if redis.call('ZCARD', KEYS[1]) >= slots then return {0, 0} end
end
if rate > 0 then
  redis.call('SET', KEYS[2], 0, 'EX', ARGV[5], 'NX')
  local started = redis.call('INCRBY', KEYS[2], 1)
  local ttl = redis.call('PTTL', KEYS[2])
  if ttl < 0 then redis.call('EXPIRE', KEYS[2], ARGV[5]) ttl = 1000 * ARGV[5] end
  if started > rate then return {2, ttl} end
end
if slots > 0 then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return {1, 0}`);

/** KEYS[1] the key's slot set; ARGV: lease ms, then the slot ids this instance holds. */
const RENEW = script(`${NOW}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0`);

const slotsOf = (key: string) => `tw:slots:${key}`;
const rateOf = (key: string) => `tw:rate:${key}`;
const NO_SLOT = () => {};

export class RedisCounts implements LimitCounts {
  readonly seesStreams = true;
  readonly #client: RedisClient;
  /** The lease's length in ms, as a script argument. */
  readonly #leaseArg: string;
  readonly #bounds: string[];
  /** Slot ids are this instance's random prefix and a count: unique across instances, no random bytes per start. */
  readonly #slotPrefix = `${randomUUID()}:`;
  #slotsTaken = 0;
  /** The slots this instance holds, by key. */
  readonly #held = new Map<string, Set<string>>();
  /** Slots released this turn, by key: each key's go in one `ZREM` at the turn's end. */
  readonly #releasing = new Map<string, string[]>();
  readonly #timer: NodeJS.Timeout;

  /**
   * Loads the scripts before any start is counted, and again as the connection becomes ready
   * after a failure: else each start of the first burst met NOSCRIPT and was sent again with the
   * script's body (the `EVAL` fallback stays for a `SCRIPT FLUSH`).
   */
  readonly #loadScripts = () => {
    // A load that fails costs nothing but the fallback: each call then meets NOSCRIPT and is
    // sent with the script's body; a Redis that is away fails the start itself, as a
    // `StoreUnavailableError`.
    loadScripts(this.#client, [ADMIT, RENEW]).catch(() => {});
  };

  constructor(client: RedisClient, shape: LimitShape, leaseMs: number) {
    this.#client = client;
    if (client.isReady) this.#loadScripts();
    client.on('ready', this.#loadScripts);
    this.#leaseArg = String(leaseMs);
    this.#bounds = [String(shape.concurrent), String(shape.perMinute)];
    this.#timer = setInterval(() => this.#renew(), Math.max(50, Math.floor(leaseMs / 3)));
    this.#timer.unref();
  }

  /**
   * No async function: its frame would keep the call's keys and arguments while the call is on its
   * way, for every start in flight.
   */
  take(key: string, streamId?: string): Promise<Admission> {
    const [slots, rate] = this.#bounds as [string, string];
    if (slots === '0' && rate === '0' && streamId === undefined) return Promise.resolve({ release: NO_SLOT });
    const slot = this.#slotPrefix + ++this.#slotsTaken;
    const scriptKeys = [slotsOf(key), rateOf(key)];
    if (streamId !== undefined) scriptKeys.push(keys.info(streamId));
    const args = [slots, slot, this.#leaseArg, rate, RATE_WINDOW_ARG];
    return runScript(this.#client, ADMIT, scriptKeys, args).then(
      (reply) => this.#admission(key, slot, reply as [number, number]),
      (cause: unknown) => {
        throw new StoreUnavailableError('cannot count new and running streams in Redis', { cause });
      },
    );
  }

  #admission(key: string, slot: string, [outcome, msBeforeNext]: [number, number]): Admission {
    if (outcome === 3) return { refused: 'exists' };
    if (outcome === 0) return { refused: 'streams' };
    if (outcome === 2) return { refused: 'rate', msBeforeNext };
    if (this.#bounds[0] === '0') return { release: NO_SLOT };
    const held = this.#held.get(key) ?? new Set<string>();
    this.#held.set(key, held.add(slot));
    return { release: () => this.#release(key, slot) };
  }

  close(): void {
    this.#client.off('ready', this.#loadScripts);
    clearInterval(this.#timer);
  }

  #release(key: string, slot: string): void {
    const held = this.#held.get(key);
    if (!held?.delete(slot)) return;
    if (held.size === 0) this.#held.delete(key);
    const releasing = this.#releasing.get(key);
    if (releasing) releasing.push(slot);
    else {
      if (this.#releasing.size === 0) setImmediate(() => this.#sendReleases());
      this.#releasing.set(key, [slot]);
    }
  }

  /** One `ZREM` per key for the slots released this turn. */
  #sendReleases(): void {
    for (const [key, slots] of this.#releasing) {
      // If Redis is away, the slots lapse by themselves within a lease.
      this.#client.zRem(slotsOf(key), slots).catch(() => {});
    }
    this.#releasing.clear();
  }

  #renew(): void {
    for (const [key, slots] of this.#held) {
      runScript(this.#client, RENEW, [slotsOf(key)], [this.#leaseArg, ...slots]).catch(() => {});
    }
  }
}
