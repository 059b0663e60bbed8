/**
 * A stream's calls to Redis at its start and at its end. Its start waits for one round trip: the
 * store's create script stores the stream's info, its first frame and its lease in one call
 * (`createWithFirst`); its last frame goes with the log's end and the lease's release in one
 * call (`endsWithAppend`). Against a real redis-server: what one call stores; an existing
 * stream is refused with nothing stored or taken (a second writer of one id never gets in); a
 * lease another instance holds is neither taken nor dropped; a last frame refused by the fence
 * ends nothing; a script Redis has dropped (`SCRIPT FLUSH`) still runs; and through the engine,
 * a started stream's lease is renewed like any other, a second start of its id is
 * `stream_exists`, and its last events, its end and its lease's release are one call. A start
 * resolves only once Redis has the stream, so the id it hands out can be resumed anywhere. An
 * app's admission (its limits, counted in Redis) is checked in the create's call: a refused
 * start stores nothing and rejects with the app's error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { redisWithStore } from '../../../testing/redis-store.ts';
import { createEngine, type LogReader, type StreamInfo } from '../src/index.ts';
import { newId } from '../src/internal.ts';
import {
  createAdmitted,
  keys,
  type RedisAdmission,
  RedisCoordinator,
  RedisStreamStore,
} from '../src/redis/index.ts';

const running = redisWithStore();

const info = (): StreamInfo => ({ streamId: newId(), createdAt: 1, meta: { owner: 'u1' } });
const hello = (streamId: string) => `id: ${streamId}:1\nevent: hello\ndata: {}\n\n`;
const LEASE = { owner: 'instance-a', ms: 60_000 };

/** Calls of each command Redis ran (in scripts too), by name. */
async function commandCalls(): Promise<Record<string, number>> {
  const stats = String(await running.store.client.sendCommand(['INFO', 'commandstats']));
  return Object.fromEntries(
    [...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map(([, name, calls]) => [name!, Number(calls)]),
  );
}

/** What Redis holds of a stream: info, frames, lease holder, whether it is listed as running. */
async function held(streamId: string) {
  const raw = await running.store.client.get(keys.info(streamId));
  const log = (await running.store.client.sendCommand(['XRANGE', keys.log(streamId), '-', '+'])) as [
    string,
    string[],
  ][];
  return {
    info: raw ? JSON.parse(raw) : undefined,
    frames: log.map(([id, fields]) => `${id} ${fields.join(' ')}`),
    owner: await running.store.client.get(keys.owner(streamId)),
    running: (await running.store.client.zScore(keys.running, streamId)) !== null,
  };
}

test('one script call stores the info, frame 1 naming its writer, and the lease; the writer goes on from there', async () => {
  const i = info();
  const before = await commandCalls();
  const leased = await running.store.createWithFirst(
    i,
    { frame: hello(i.streamId), writer: { id: 'w1', first: true } },
    LEASE,
  );
  const after = await commandCalls();
  assert.equal(leased, true);
  assert.equal((after.evalsha ?? 0) - (before.evalsha ?? 0), 1, 'one EVALSHA');
  assert.equal(after.eval ?? 0, before.eval ?? 0, 'no script body sent');
  assert.deepEqual(await held(i.streamId), {
    info: i,
    frames: [`0-1 f ${hello(i.streamId)} w w1`],
    owner: 'instance-a',
    running: true,
  });
  const got: string[] = [];
  const reader: LogReader = { onFrames: (frames) => got.push(...frames), onEnd() {}, onError: assert.fail };
  const stop = running.store.follow(i.streamId, 0, reader);
  assert.deepEqual(got, [hello(i.streamId)], 'a reader here gets frame 1 at once, from memory');
  await running.store.append(i.streamId, 2, 'two', { id: 'w1', first: false });
  assert.deepEqual(got, [hello(i.streamId), 'two']);
  stop();
  await assert.rejects(async () => running.store.append(i.streamId, 3, 'other', { id: 'w2', first: false }), {
    type: 'writer_fenced',
  });
});

test('an existing stream is refused and nothing is stored or taken: a second writer of one id never gets in', async () => {
  const first = info();
  await running.store.createWithFirst(
    first,
    { frame: hello(first.streamId), writer: { id: 'w1', first: true } },
    LEASE,
  );
  const was = await held(first.streamId);
  const again = { ...first, meta: { owner: 'u2' } };
  const other = { owner: 'instance-b', ms: 60_000 };
  await assert.rejects(
    running.store.createWithFirst(again, { frame: 'not mine', writer: { id: 'w2', first: true } }, other),
    /exists/,
  );
  assert.deepEqual(await held(first.streamId), was);

  // Created (empty, no lease yet) by a plain create: still refused, its log stays empty.
  const plain = info();
  await running.store.create(plain);
  await assert.rejects(
    running.store.createWithFirst(plain, { frame: 'not mine', writer: { id: 'w2', first: true } }, other),
    /exists/,
  );
  assert.deepEqual(await held(plain.streamId), { info: plain, frames: [], owner: null, running: false });
});

test('a lease another instance holds is not taken: the stream is created, unleased', async () => {
  const i = info();
  await running.store.client.set(keys.owner(i.streamId), 'instance-b', { PX: 60_000 });
  const leased = await running.store.createWithFirst(
    i,
    { frame: hello(i.streamId), writer: { id: 'w1', first: true } },
    LEASE,
  );
  assert.equal(leased, false);
  const now = await held(i.streamId);
  assert.equal(now.owner, 'instance-b');
  assert.equal(now.frames.length, 1);
});

test('the end drops the lease in the same call; a lease another instance holds by then is kept', async () => {
  const mine = info();
  const writer = { id: 'w1', first: true };
  await running.store.createWithFirst(mine, { frame: hello(mine.streamId), writer }, LEASE);
  const before = await commandCalls();
  await running.store.end(mine.streamId, 60_000, { id: 'w1', first: false }, LEASE);
  assert.equal((await commandCalls()).evalsha! - before.evalsha!, 1, 'one EVALSHA');
  assert.deepEqual(await held(mine.streamId), {
    info: mine,
    frames: [`0-1 f ${hello(mine.streamId)} w w1`, '0-2 end 1 w w1'],
    owner: null,
    running: false,
  });

  const takenOver = info();
  await running.store.createWithFirst(takenOver, { frame: hello(takenOver.streamId), writer }, LEASE);
  await running.store.client.set(keys.owner(takenOver.streamId), 'instance-b', { PX: 60_000 });
  await running.store.end(takenOver.streamId, 60_000, { id: 'w1', first: false }, LEASE);
  assert.equal((await held(takenOver.streamId)).owner, 'instance-b');
});

test('the last frame ends the log in the same call, and drops the lease; readers here get the end', async () => {
  const i = info();
  const writer = { id: 'w1', first: true };
  await running.store.createWithFirst(i, { frame: hello(i.streamId), writer }, LEASE);
  let ended = false;
  const reader: LogReader = {
    onFrames() {},
    onEnd() {
      ended = true;
    },
    onError: assert.fail,
  };
  const stop = running.store.follow(i.streamId, 1, reader);
  const before = await commandCalls();
  await Promise.all([
    running.store.append(i.streamId, 2, 'two', { id: 'w1', first: false }),
    running.store.append(
      i.streamId,
      3,
      'done',
      { id: 'w1', first: false },
      { retentionMs: 60_000, lease: LEASE },
    ),
  ]);
  assert.equal((await commandCalls()).evalsha! - before.evalsha!, 1, 'one EVALSHA');
  assert.deepEqual(await held(i.streamId), {
    info: i,
    frames: [`0-1 f ${hello(i.streamId)} w w1`, '0-3 p twodone l 3,4 w w1', '0-4 end 1 w w1'],
    owner: null,
    running: false,
  });
  const ttl = await running.store.client.pTTL(keys.info(i.streamId));
  assert.ok(ttl > 0 && ttl <= 60_000, 'the retention, not the running TTL');
  assert.equal(ended, true, 'readers here are told at once');
  stop();
  await assert.rejects(async () => running.store.append(i.streamId, 5, 'late', { id: 'w1', first: false }), {
    type: 'writer_fenced',
  });
});

test('a last frame refused by the fence ends nothing and keeps the lease', async () => {
  const i = info();
  await running.store.createWithFirst(
    i,
    { frame: hello(i.streamId), writer: { id: 'w1', first: true } },
    LEASE,
  );
  await running.store.append(i.streamId, 2, 'taker 2', { id: 'w2', first: true }); // a takeover
  await assert.rejects(
    async () =>
      running.store.append(
        i.streamId,
        3,
        'done',
        { id: 'w1', first: false },
        { retentionMs: 60_000, lease: LEASE },
      ),
    { type: 'writer_fenced' },
  );
  const now = await held(i.streamId);
  assert.deepEqual(now.frames, [`0-1 f ${hello(i.streamId)} w w1`, '0-2 f taker 2 w w2']);
  assert.equal(now.owner, 'instance-a');
});

test('after SCRIPT FLUSH the create script still runs', async () => {
  await running.store.client.sendCommand(['SCRIPT', 'FLUSH']);
  const i = info();
  assert.equal(
    await running.store.createWithFirst(
      i,
      { frame: hello(i.streamId), writer: { id: 'w1', first: true } },
      LEASE,
    ),
    true,
  );
  assert.equal((await held(i.streamId)).frames.length, 1);
  await running.store.append(i.streamId, 2, 'two', { id: 'w1', first: false });
});

test('through the engine: a started stream holds its lease, renewed past its length; a second start of its id is stream_exists; its end is one call', async () => {
  const leaseMs = 1000;
  const instance = async () => {
    const own = await RedisStreamStore.connect({ url: running.redis.url });
    const coordinator = await RedisCoordinator.start(own.client, { leaseMs });
    const orphans: string[] = [];
    const engine = createEngine({
      store: own,
      coordinator,
      heartbeatMs: 0,
      onOrphan: async (id) => void orphans.push(id),
    });
    const close = async () => {
      await coordinator.close();
      await own.close();
    };
    return { engine, coordinator, orphans, close };
  };
  const a = await instance();
  const b = await instance();
  try {
    const stream = await a.engine.start({ meta: { owner: 'u1' }, id: newId() });
    const frames = (await held(stream.id)).frames;
    assert.equal(frames.length, 1);
    assert.match(frames[0]!, /event: hello/);
    await sleep(leaseMs * 2.5);
    assert.equal((await held(stream.id)).owner, a.coordinator.instanceId, 'renewed by its owner');
    assert.deepEqual(b.orphans, [], 'nobody took a live stream over');
    await assert.rejects(b.engine.start({ meta: { owner: 'u2' }, id: stream.id }), { type: 'stream_exists' });
    assert.deepEqual((await held(stream.id)).frames, frames);
    const announced = (await commandCalls()).publish ?? 0; // one per fencing script call
    stream.emit('note', { text: 'hi' });
    await stream.end();
    assert.equal(((await commandCalls()).publish ?? 0) - announced, 1, 'note, done and the end: one call');
    const ended = await held(stream.id);
    assert.deepEqual(
      ended.frames.map((entry) => entry.split(' ', 2).join(' ')),
      ['0-1 f', '0-3 p', '0-4 end'],
      'hello; note and done, one call: one entry; the end',
    );
    assert.deepEqual([ended.owner, ended.running], [null, false], 'the lease went with the end');
  } finally {
    await a.close();
    await b.close();
  }
});

test('a start resolves only once Redis has the stream: an id it hands out is found from any connection at once', async () => {
  const own = await RedisStreamStore.connect({ url: running.redis.url });
  const engine = createEngine({ store: own, heartbeatMs: 0 });
  // Redis runs no write for a while: a start that did not wait for its create would resolve
  // before the stream exists, and a client resuming it elsewhere would be told it is unknown.
  await running.store.client.sendCommand(['CLIENT', 'PAUSE', '300', 'WRITE']);
  try {
    const stream = await engine.start({ meta: { owner: 'u1' } });
    const found = await held(stream.id);
    assert.deepEqual(found.info?.streamId, stream.id);
    assert.equal(found.frames.length, 1, 'hello');
    await stream.end();
  } finally {
    await running.store.client.sendCommand(['CLIENT', 'UNPAUSE']);
    await own.close();
  }
});

/**
 * A test admission: a counter per key (`keys[1]`) that admits up to `args[1]` starts; a refusal
 * is {9, count}. The app's error for it names the count.
 */
const UP_TO = createAdmitted(`local function admit(keys, args)
  local n = redis.call('INCR', keys[1])
  if n > tonumber(args[1]) then return {9, n} end
  return false
end`);
class TooMany extends Error {
  readonly type = 'too_many';
}
/** Creates `i` with frame 1 and the lease, checking `admission` in the same call. */
const createAdmittedBy = (i: StreamInfo, writer: string, admission: RedisAdmission) =>
  running.store.createWithFirst(
    i,
    { frame: hello(i.streamId), writer: { id: writer, first: true } },
    LEASE,
    admission,
  );
const upTo = (counter: string, most: number): RedisAdmission => ({
  store: 'redis',
  script: UP_TO,
  keys: [counter],
  args: [String(most)],
  refusal: (reply) => new TooMany(`refused: ${JSON.stringify(reply)}`),
});

test('an admission is checked in the create call: admitted, the stream is stored in that one call; refused, nothing is stored or taken and the start rejects with the admission’s error', async () => {
  const counter = `test:admitted:${newId()}`;
  const admitted = info();
  const before = await commandCalls();
  const leased = await createAdmittedBy(admitted, 'w1', upTo(counter, 1));
  const after = await commandCalls();
  assert.equal(leased, true);
  assert.equal(
    (after.evalsha ?? 0) - (before.evalsha ?? 0),
    1,
    'one EVALSHA for the admission and the create',
  );
  assert.equal((await held(admitted.streamId)).frames.length, 1);

  const refused = info();
  await assert.rejects(
    createAdmittedBy(refused, 'w2', upTo(counter, 1)),
    (error: Error) => error instanceof TooMany && error.message === 'refused: [9,2]',
  );
  assert.deepEqual(await held(refused.streamId), {
    info: undefined,
    frames: [],
    owner: null,
    running: false,
  });

  await assert.rejects(createAdmittedBy(admitted, 'w3', upTo(counter, 10)), /exists/);
  assert.equal(
    await running.store.client.get(counter),
    '2',
    'an existing stream is refused before the admission counts',
  );
  await running.store.client.del(counter);
});

test('through the engine: a start the admission refuses is not running and has no log; a store that cannot check an admission is a TypeError', async () => {
  const counter = `test:engine:${newId()}`;
  const engine = createEngine({ store: running.store, heartbeatMs: 0 });
  const first = await engine.start({ meta: { owner: 'u1' }, admission: upTo(counter, 1) });
  assert.equal(engine.running(first.id), first);
  const id = newId();
  await assert.rejects(engine.start({ meta: { owner: 'u1' }, id, admission: upTo(counter, 1) }), TooMany);
  assert.equal(engine.running(id), undefined);
  assert.equal(await engine.position(id), undefined, 'no log');
  await first.end();
  const memory = createEngine({ heartbeatMs: 0 });
  await assert.rejects(memory.start({ meta: {}, admission: upTo(counter, 1) }), TypeError);
  await running.store.client.del(counter);
});
