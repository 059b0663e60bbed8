/**
 * The Redis coordinator's leases against a real redis-server: an instance that holds many
 * streams keeps every one of them (its renewals all land, one pass at a time), so no other
 * instance takes over a stream whose owner is alive; a renewal finds the leases another
 * instance holds now, and only those are lost; when an owner stops renewing, another
 * instance takes its streams over, each exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';
import { newId } from '../src/internal.ts';
import { keys, RedisCoordinator, RedisStreamStore } from '../src/redis/index.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.close());

const LEASE_MS = 2000;

/** A coordinator on its own connection, recording what it is told. */
async function instance(url: string) {
  const store = await RedisStreamStore.connect({ url });
  const coordinator = await RedisCoordinator.start(store.client, { leaseMs: LEASE_MS });
  const seen = { orphans: [] as string[], lost: [] as string[] };
  coordinator.listen({
    onCancel: () => {},
    onOrphan: async (streamId) => {
      seen.orphans.push(streamId);
    },
    onLeaseLost: (streamId) => seen.lost.push(streamId),
  });
  return {
    coordinator,
    seen,
    close: async () => {
      await coordinator.close();
      await store.close();
    },
  };
}

test('an instance holding 2,000 streams keeps them all: no other instance takes one over', async () => {
  const url = `${redis.url}/2`;
  const owner = await instance(url);
  const other = await instance(url);
  try {
    const streams = Array.from({ length: 2000 }, () => newId());
    await Promise.all(streams.map((id) => owner.coordinator.own(id)));
    await sleep(LEASE_MS * 3); // several lease lengths: each lease is renewed several times
    assert.equal(other.seen.orphans.length, 0, 'nothing taken over from a live owner');
    assert.deepEqual(owner.seen.lost, []);
  } finally {
    await owner.close();
    await other.close();
  }
});

test('a renewal pass loses exactly the leases another instance holds now, in any of its script calls', async () => {
  const url = `${redis.url}/4`;
  const owner = await instance(url);
  const other = await instance(url);
  const raw = await RedisStreamStore.connect({ url });
  try {
    // More leases than one renewal script call renews: the lost ones are in both calls.
    const streams = Array.from({ length: 1500 }, () => newId());
    await Promise.all(streams.map((id) => owner.coordinator.own(id)));
    const taken = [streams[0]!, streams[999]!, streams[1000]!, streams[1499]!];
    for (const id of taken) await raw.client.set(keys.owner(id), 'another-instance', { PX: 60_000 });
    await sleep(LEASE_MS); // three renewal passes
    assert.deepEqual([...owner.seen.lost].sort(), [...taken].sort(), 'each lost once, and only those');
    for (const id of taken) assert.equal(await raw.client.get(keys.owner(id)), 'another-instance');
    const kept = streams.filter((id) => !taken.includes(id));
    const ttls = await Promise.all(kept.map((id) => raw.client.pTTL(keys.owner(id))));
    assert.ok(
      ttls.every((ms) => ms > LEASE_MS / 2),
      'the others are renewed',
    );
    assert.equal(other.seen.orphans.length, 0);
  } finally {
    await raw.close();
    await owner.close();
    await other.close();
  }
});

test("a stopped owner's streams are taken over by another instance, each exactly once", async () => {
  const url = `${redis.url}/3`;
  const owner = await instance(url);
  const other = await instance(url);
  try {
    const streams = Array.from({ length: 50 }, () => newId());
    await Promise.all(streams.map((id) => owner.coordinator.own(id)));
    // The owner stops renewing (as a paused or crashed process does) but still listens.
    await owner.coordinator.close();
    await sleep(LEASE_MS * 2);
    assert.deepEqual([...other.seen.orphans].sort(), [...streams].sort());
  } finally {
    await owner.close().catch(() => {});
    await other.close();
  }
});
