/**
 * `RedisCounts`: the stream limits shared by all instances, both taken by one script in one
 * round trip (`EVALSHA`): a chat start's in the stream store's create script itself
 * (`asCreated`: the start waits for one round trip, not two, and a refused start stores
 * nothing), others' (`take`) on their own. Running generations: each key has a sorted set of
 * slot ids scored by their expiry (Redis server time, so instance clocks do not matter); the
 * instance holding a slot pushes its expiry forward every third of a lease, and when an
 * instance dies its slots stop being renewed and lapse within a lease. The slots released in
 * one event-loop turn go in one `ZREM` per key, at the turn's end. New streams per minute: a
 * counter per key that expires a minute after its first start (the key and counting of
 * rate-limiter-flexible's `RateLimiterRedis`, which counted it before: instances of either
 * version share the count). A start naming a stream that exists (a repeated start) is counted
 * against neither: the script looks for the stream's info key first.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { StoreUnavailableError } from '@tidewire/server';
import {
  createAdmitted,
  keys,
  loadScripts,
  type RedisAdmission,
  type RedisClient,
  runScript,
  script,
} from '@tidewire/server/redis';
import type { Admission, CountedAsCreated, LimitCounts, LimitShape, Refusal } from './stream-limits.ts';

/** Redis server time in ms, inlined in each script. */
const NOW = `local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)`;

const RATE_WINDOW_S = 60;
const RATE_WINDOW_ARG = String(RATE_WINDOW_S);

/**
 * `admit(keys, args)`: keys, the key's slot set and its rate counter; args, most slots (0: no
 * bound), slot id, lease ms, most starts per window (0: no bound), window s. Answers false when
 * admitted (the slot taken, a start counted), {0, 0} when every slot is in use (nothing
 * counted), {2, ms before the window ends} when the rate is spent (the start is counted, as
 * rate-limiter-flexible counts it; no slot taken).
 */
const ADMIT_FUNCTION = `local function admit(keys, args)
  local slots, rate = tonumber(args[1]), tonumber(args[4])
  ${NOW}
  if slots > 0 then
    redis.call('ZREMRANGEBYSCORE', keys[1], '-inf', now)
    if redis.call('ZCARD', keys[1]) >= slots then return {0, 0} end
  end
  if rate > 0 then
    redis.call('SET', keys[2], 0, 'EX', args[5], 'NX')
    local started = redis.call('INCRBY', keys[2], 1)
    local ttl = redis.call('PTTL', keys[2])
    if ttl < 0 then redis.call('EXPIRE', keys[2], args[5]) ttl = 1000 * args[5] end
    if started > rate then return {2, ttl} end
  end
  if slots > 0 then
    redis.call('ZADD', keys[1], now + tonumber(args[3]), args[2])
    redis.call('PEXPIRE', keys[1], args[3])
  end
  return false
end
`;

/**
 * A start counted on its own (`take`): KEYS, the key's slot set, its rate counter, and the info
 * key of the stream the start names (when it names one); ARGV, `admit`'s. Returns {1, 0} when
 * admitted, {3, 0} when the named stream exists (nothing counted), else `admit`'s refusal.
 */
const ADMIT = script(`${ADMIT_FUNCTION}
if KEYS[3] and redis.call('EXISTS', KEYS[3]) == 1 then return {3, 0} end
return admit(KEYS, ARGV) or {1, 0}`);

/** A start counted as the store creates its stream (`asCreated`): the store's `CREATE` with `admit`. */
const CREATE_ADMITTED = createAdmitted(ADMIT_FUNCTION);

/** KEYS[1] the key's slot set; ARGV: lease ms, then the slot ids this instance holds. */
const RENEW = script(`${NOW}
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0`);

const slotsOf = (key: string) => `tw:slots:${key}`;
const rateOf = (key: string) => `tw:rate:${key}`;
/** The limit an `admit` reply of {0, 0} or {2, ms} names. */
const refusalOf = ([outcome, msBeforeNext]: [number, number]): Refusal =>
  outcome === 2 ? { refused: 'rate', msBeforeNext } : { refused: 'streams' };
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
    loadScripts(this.#client, [ADMIT, CREATE_ADMITTED, RENEW]).catch(() => {});
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

  /**
   * The start counted as the stream store creates its stream, in the same script call: none
   * when both limits are off (nothing to count; `take` then costs no command).
   */
  asCreated(key: string, refusal: (refused: Refusal) => Error): CountedAsCreated | undefined {
    const [slots, rate] = this.#bounds as [string, string];
    if (slots === '0' && rate === '0') return undefined;
    const slot = this.#slotPrefix + ++this.#slotsTaken;
    const admission: RedisAdmission = {
      store: 'redis',
      script: CREATE_ADMITTED,
      keys: [slotsOf(key), rateOf(key)],
      args: [slots, slot, this.#leaseArg, rate, RATE_WINDOW_ARG],
      refusal: (reply) => refusal(refusalOf(reply as [number, number])),
    };
    return { admission, admitted: () => this.#hold(key, slot) };
  }

  #admission(key: string, slot: string, reply: [number, number]): Admission {
    if (reply[0] === 3) return { refused: 'exists' };
    if (reply[0] !== 1) return refusalOf(reply);
    return { release: this.#hold(key, slot) };
  }

  /** The slot this instance now holds for `key`, and its release. */
  #hold(key: string, slot: string): () => void {
    if (this.#bounds[0] === '0') return NO_SLOT;
    const held = this.#held.get(key) ?? new Set<string>();
    this.#held.set(key, held.add(slot));
    return () => this.#release(key, slot);
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
