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

/** How many XREAD commands Redis has run so far. */
async function xreadCalls(store: RedisStreamStore): Promise<number> {
  const stats = await store.client.sendCommand(['INFO', 'commandstats']);
  return Number(/cmdstat_xread:calls=(\d+)/.exec(String(stats))?.[1] ?? 0);
}

/** A reader that records what it gets; `ended` resolves at its end. */
function recording() {
  const frames: string[] = [];
  let end!: () => void;
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  return {
    frames,
    ended,
    reader: { onFrames: (f: string[]) => frames.push(...f), onEnd: () => end(), onError: assert.fail },
  };
}

test('a reader on the instance that writes the stream gets every frame without XREAD, late joiners included', async () => {
  const store = await RedisStreamStore.connect({ url: redis.url });
  try {
    const streamId = newId();
    await store.create({ streamId, meta: {}, createdAt: 1 });
    const before = await xreadCalls(store);
    const early = recording();
    store.follow(streamId, 0, early.reader);
    const appends: Promise<void>[] = [];
    for (let seq = 1; seq <= 40; seq++)
      appends.push(store.append(streamId, seq, `f${seq}`, { id: 'w', first: seq === 1 }));
    // Joins while appends are on their way: replay, then the rest here, none twice.
    const late = recording();
    store.follow(streamId, 0, late.reader);
    await Promise.all(appends);
    await store.end(streamId, 10_000, { id: 'w', first: false });
    await Promise.all([early.ended, late.ended]);
    const all = Array.from({ length: 40 }, (_, k) => `f${k + 1}`);
    assert.deepEqual(early.frames, all);
    assert.deepEqual(late.frames, all);
    assert.equal(await xreadCalls(store), before, 'no XREAD for streams written here');
  } finally {
    await store.close();
  }
});

test('when another instance takes the stream over, the old writer’s readers go on from where they stood', async () => {
  const [a, b] = [
    await RedisStreamStore.connect({ url: redis.url }),
    await RedisStreamStore.connect({ url: redis.url }),
  ];
  try {
    const streamId = newId();
    await a.create({ streamId, meta: {}, createdAt: 1 });
    for (let seq = 1; seq <= 5; seq++)
      await a.append(streamId, seq, `a${seq}`, { id: 'a', first: seq === 1 });
    const onA = recording();
    a.follow(streamId, 2, onA.reader);
    // b takes over after seq 5; a's next append is fenced off, and its reader moves to XREAD.
    await b.append(streamId, 6, 'b6', { id: 'b', first: true });
    await assert.rejects(a.append(streamId, 6, 'a6', { id: 'a', first: false }), { type: 'writer_fenced' });
    for (let seq = 7; seq <= 9; seq++) await b.append(streamId, seq, `b${seq}`, { id: 'b', first: false });
    await b.end(streamId, 10_000, { id: 'b', first: false });
    await onA.ended;
    assert.deepEqual(onA.frames, ['a3', 'a4', 'a5', 'b6', 'b7', 'b8', 'b9']);
  } finally {
    await a.close();
    await b.close();
  }
});
