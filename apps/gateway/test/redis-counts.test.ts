/**
 * The stream limits counted in Redis (`RedisCounts`), against a real redis-server: a start
 * takes its slot and its unit of rate together or neither (one refused for its slot spends no
 * rate; one refused for its rate holds no slot), in one `EVALSHA` per start, which still runs
 * after Redis has dropped its scripts; the slots released in one turn go in one `ZREM`; two
 * instances' slots never mix; a start naming a stream that exists (a repeated start) counts
 * against neither; with Redis away it is a `StoreUnavailableError`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreUnavailableError } from '@tidewire/server';
import { newId } from '@tidewire/server/internal';
import { redisWithStore } from '../../../testing/redis-store.ts';
import { RedisCounts } from '../src/limits/redis-counts.ts';
import type { Admission } from '../src/limits/stream-limits.ts';

const running = redisWithStore();

const LEASE_MS = 60_000;
const counts = (concurrent: number, perMinute: number) =>
  new RedisCounts(running.store.client, { concurrent, perMinute }, LEASE_MS);

/** What Redis holds for `key`: slots in use, starts counted this minute. */
async function held(key: string) {
  await new Promise(setImmediate); // the turn's releases are sent
  await running.store.client.ping(); // after every command sent before it (a release's ZREM)
  const slots = await running.store.client.zCard(`tw:slots:${key}`);
  const started = Number((await running.store.client.get(`tw:rate:${key}`)) ?? 0);
  return { slots, started };
}

function released(admission: Admission): () => void {
  assert.ok('release' in admission, `admitted, not ${JSON.stringify(admission)}`);
  return admission.release;
}

test('a start refused for its slot spends no rate; once a slot is free the next start is admitted', async () => {
  const limits = counts(1, 5);
  try {
    const release = released(await limits.take('slot-first'));
    assert.deepEqual(await limits.take('slot-first'), { refused: 'streams' });
    assert.deepEqual(await held('slot-first'), { slots: 1, started: 1 }, 'the refused start counted nothing');
    release();
    assert.deepEqual(await held('slot-first'), { slots: 0, started: 1 });
    released(await limits.take('slot-first'));
    assert.deepEqual(await held('slot-first'), { slots: 1, started: 2 });
  } finally {
    limits.close();
  }
});

test('a start refused for its rate holds no slot, and says when the minute ends', async () => {
  const limits = counts(5, 2);
  try {
    released(await limits.take('rate-first'));
    released(await limits.take('rate-first'));
    const refused = await limits.take('rate-first');
    assert.ok('refused' in refused && refused.refused === 'rate', JSON.stringify(refused));
    assert.ok(refused.msBeforeNext > 0 && refused.msBeforeNext <= 60_000);
    assert.equal((await held('rate-first')).slots, 2, 'only the two admitted starts hold a slot');
  } finally {
    limits.close();
  }
});

test('each start is one EVALSHA, never the script body, and still runs after SCRIPT FLUSH', async () => {
  const limits = counts(3, 10);
  const calls = async () => {
    const stats = await running.store.client.info('commandstats');
    const of = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    return { evalsha: of('evalsha'), eval: of('eval') };
  };
  try {
    released(await limits.take('scripts')); // the first run of the script may load it
    const before = await calls();
    released(await limits.take('scripts'));
    released(await limits.take('scripts'));
    const now = await calls();
    assert.deepEqual(
      { evalsha: now.evalsha - before.evalsha, eval: now.eval - before.eval },
      { evalsha: 2, eval: 0 },
    );
    await running.store.client.sendCommand(['SCRIPT', 'FLUSH']);
    assert.deepEqual(await limits.take('scripts'), { refused: 'streams' }, 'counted as before the flush');
    assert.deepEqual(await held('scripts'), { slots: 3, started: 3 });
  } finally {
    limits.close();
  }
});

test('a burst of first starts is one EVALSHA each: the scripts are loaded before the first', async () => {
  await running.store.client.sendCommand(['SCRIPT', 'FLUSH']);
  const limits = counts(0, 1000);
  const evals = async () =>
    Number(/cmdstat_eval:calls=(\d+)/.exec(await running.store.client.info('commandstats'))?.[1] ?? 0);
  try {
    const before = await evals();
    const admissions = await Promise.all(Array.from({ length: 50 }, () => limits.take('burst')));
    for (const admission of admissions) released(admission);
    assert.equal((await evals()) - before, 0, 'no start sent the script body');
    assert.deepEqual(await held('burst'), { slots: 0, started: 50 });
  } finally {
    limits.close();
  }
});

test('the slots released in one turn go in one ZREM, and are free for the next starts', async () => {
  const limits = counts(4, 0);
  const zrems = async () =>
    Number(/cmdstat_zrem:calls=(\d+)/.exec(await running.store.client.info('commandstats'))?.[1] ?? 0);
  try {
    const releases = [];
    for (let i = 0; i < 4; i++) releases.push(released(await limits.take('one-turn')));
    assert.deepEqual(await limits.take('one-turn'), { refused: 'streams' });
    const before = await zrems();
    for (const release of releases) release();
    releases[0]!(); // a second release of a slot sends nothing more
    assert.deepEqual(await held('one-turn'), { slots: 0, started: 0 });
    assert.equal((await zrems()) - before, 1, 'one ZREM');
    released(await limits.take('one-turn'));
    assert.deepEqual(await held('one-turn'), { slots: 1, started: 0 });
  } finally {
    limits.close();
  }
});

test("two instances' slots on one key are each their own: releasing one frees one", async () => {
  const [a, b] = [counts(2, 0), counts(2, 0)];
  try {
    const releaseA = released(await a.take('two-instances'));
    released(await b.take('two-instances'));
    assert.deepEqual(await held('two-instances'), { slots: 2, started: 0 });
    assert.deepEqual(await a.take('two-instances'), { refused: 'streams' });
    releaseA();
    assert.deepEqual(await held('two-instances'), { slots: 1, started: 0 });
  } finally {
    a.close();
    b.close();
  }
});

test('a start naming a stream that exists counts against nothing; one naming a new stream counts as any', async () => {
  const limits = counts(1, 5);
  const off = counts(0, 0);
  try {
    const existing = newId();
    await running.store.create({ streamId: existing, createdAt: 1, meta: {} });
    assert.deepEqual(await limits.take('named', existing), { refused: 'exists' });
    assert.deepEqual(
      await off.take('named', existing),
      { refused: 'exists' },
      'looked for with the limits off too',
    );
    assert.deepEqual(await held('named'), { slots: 0, started: 0 });
    released(await limits.take('named', newId()));
    assert.deepEqual(await held('named'), { slots: 1, started: 1 });
    assert.deepEqual(
      await limits.take('named', existing),
      { refused: 'exists' },
      'before the slot is looked at',
    );
  } finally {
    limits.close();
    off.close();
  }
});

test('with both limits off, a start naming no stream costs no Redis command', async () => {
  const limits = counts(0, 0);
  try {
    released(await limits.take('off'));
    assert.deepEqual(await held('off'), { slots: 0, started: 0 });
  } finally {
    limits.close();
  }
});

test('with Redis away, a start is a StoreUnavailableError', async () => {
  const limits = counts(2, 10);
  await running.redis.kill();
  try {
    await assert.rejects(limits.take('down'), StoreUnavailableError);
  } finally {
    limits.close();
    await running.redis.start();
  }
});
