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
import { artifactStoreContract, streamStoreContract } from '../src/test/store-contract.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.close());

describe('RedisStreamStore', () => {
  streamStoreContract(() => RedisStreamStore.connect({ url: redis.url }));
  artifactStoreContract(() => RedisStreamStore.connect({ url: redis.url }));

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

test('two stores writing one stream concurrently, appends pipelined, never interleave', async () => {
  const [a, b] = [
    await RedisStreamStore.connect({ url: redis.url }),
    await RedisStreamStore.connect({ url: redis.url }),
  ];
  for (let round = 0; round < 20; round++) {
    const streamId = newId();
    await a.create({ streamId, meta: {}, createdAt: 1 });
    for (let seq = 1; seq <= 3; seq++)
      await a.append(streamId, seq, `common ${seq}`, { id: 'a', first: seq === 1 });
    // Both write seq 4…23 at once without waiting (pipelined), as an old owner and its taker do.
    const write = (store: RedisStreamStore, id: string) =>
      Array.from({ length: 20 }, (_, k) =>
        store.append(streamId, 4 + k, `${id} ${4 + k}`, { id, first: id === 'b' && k === 0 }).then(
          () => true,
          (error) => {
            assert.equal(error.type, 'writer_fenced');
            return false;
          },
        ),
      );
    await Promise.all([...write(a, 'a'), ...write(b, 'b')]);
    const frames = (await a.read(streamId))!.frames;
    const writers = new Set(frames.slice(3).map((f) => f.split(' ')[0]));
    assert.ok(writers.size <= 1, `round ${round}: ${frames.join(', ')}`);
    assert.deepEqual(
      frames.map((f) => Number(f.split(' ')[1])),
      frames.map((_, k) => k + 1),
      'in sequence',
    );
  }
  await a.close();
  await b.close();
});
