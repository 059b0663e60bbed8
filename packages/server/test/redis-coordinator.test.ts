/**
 * The Redis coordinator's leases against a real redis-server: renewed together while held,
 * reported lost once another instance holds one.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';
import { newId } from '../src/internal.ts';
import { keys, RedisCoordinator, RedisStreamStore } from '../src/redis/index.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.close());

/** Waits (bounded) until `done()` holds. */
async function until(done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await done()); i++) await new Promise((r) => setTimeout(r, 25));
}

test('every lease held is renewed past its first term; one taken by another instance is reported lost, once', {
  timeout: 20_000,
}, async () => {
  const store = await RedisStreamStore.connect({ url: redis.url });
  const leaseMs = 300;
  const coordinator = await RedisCoordinator.start(store.client, { leaseMs });
  const lost: string[] = [];
  coordinator.listen({ onCancel: () => {}, onOrphan: async () => {}, onLeaseLost: (id) => lost.push(id) });
  try {
    const streams = Array.from({ length: 20 }, () => newId());
    for (const streamId of streams) await coordinator.own(streamId);
    const [stolen, ...kept] = streams as [string, ...string[]];
    await store.client.set(keys.owner(stolen), 'another-instance', { PX: 60_000 });
    // Past several lease terms, each kept lease still names this instance.
    const began = Date.now();
    await until(() => Date.now() - began > 3 * leaseMs && lost.length > 0);
    assert.deepEqual(lost, [stolen]);
    for (const streamId of kept)
      assert.equal(await store.client.get(keys.owner(streamId)), coordinator.instanceId);
    assert.equal(await store.client.get(keys.owner(stolen)), 'another-instance');
  } finally {
    await coordinator.close();
    await store.close();
  }
});
