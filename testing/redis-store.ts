/**
 * Test support: a real redis-server and a `RedisStreamStore` connected to it, for the tests of
 * one file (registered with node:test's `before` and `after`): what the tests of Redis scripts
 * run against.
 * @module
 */
import { after, before } from 'node:test';
import { RedisStreamStore } from '@tidewire/server/redis';
import { startRedis, type TestRedis } from './redis.ts';

export interface RedisWithStore {
  /** The server (set once the file's `before` has run). */
  redis: TestRedis;
  /** A store on it. */
  store: RedisStreamStore;
}

/** Starts both before the file's tests, and closes both after them. */
export function redisWithStore(): RedisWithStore {
  const held = {} as RedisWithStore;
  before(async () => {
    held.redis = await startRedis();
    held.store = await RedisStreamStore.connect({ url: held.redis.url });
  });
  after(async () => {
    await held.store.close();
    await held.redis.close();
  });
  return held;
}
