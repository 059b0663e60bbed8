/**
 * The Redis store against a real redis-server: the shared store contract, plus what only a
 * shared store must do. Fails (never skips) when redis-server is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';
import { StoreUnavailableError } from '../src/errors.ts';
import { newId } from '../src/internal.ts';
import { RedisStreamStore } from '../src/redis/index.ts';
import { streamStoreContract } from './store-contract.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.close());

describe('RedisStreamStore', () => {
  streamStoreContract(() => RedisStreamStore.connect({ url: redis.url }));

  test('two stores on one Redis see each other: one writes, the other follows', async () => {
    const writer = await RedisStreamStore.connect({ url: redis.url });
    const reader = await RedisStreamStore.connect({ url: redis.url });
    const streamId = newId();
    await writer.create({ streamId, meta: { owner: 'u1' }, createdAt: 1 });
    const got: string[] = [];
    let ended = false;
    reader.follow(streamId, 0, {
      onFrames: (frames) => got.push(...frames),
      onEnd: () => {
        ended = true;
      },
      onError: (e) => assert.fail(e),
    });
    for (let seq = 1; seq <= 30; seq++) await writer.append(streamId, seq, `data: ${seq}\n\n`);
    await writer.end(streamId, 10_000);
    for (let i = 0; i < 300 && !ended; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(ended);
    assert.equal(got.length, 30);
    await writer.close();
    await reader.close();
  });

  test('while Redis is down, calls fail fast with StoreUnavailableError; it recovers when Redis returns', async () => {
    const store = await RedisStreamStore.connect({ url: redis.url });
    await redis.kill();
    const began = Date.now();
    await assert.rejects(
      store.create({ streamId: newId(), meta: { owner: 'u1' }, createdAt: 1 }),
      StoreUnavailableError,
    );
    assert.ok(Date.now() - began < 1000, 'fails fast');
    await redis.start();
    for (let i = 0; i < 100 && !store.client.isReady; i++) await new Promise((r) => setTimeout(r, 50));
    const streamId = newId();
    await store.create({ streamId, meta: { owner: 'u1' }, createdAt: 1 });
    assert.ok(await store.info(streamId));
    await store.close();
  });
});
