/**
 * The Redis store against a real redis-server: the shared store contract, plus what only a
 * shared store must do. Fails (never skips) when redis-server is missing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';
import { StoreUnavailableError } from '../src/errors.ts';
import { newId } from '../src/internal.ts';
import { MAX_BATCH_CHARS } from '../src/redis/append-batches.ts';
import { RedisStreamStore } from '../src/redis/index.ts';
import { keys } from '../src/redis/keys.ts';
import { SCRIPTS } from '../src/redis/scripts.ts';
import type { LogReader } from '../src/store.ts';
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

/**
 * A reader that records the frames it gets and the sequence number reached (`at`); `ended`
 * resolves at the end, or once it reaches `until` when given.
 */
function recording(until = Number.POSITIVE_INFINITY) {
  const frames: string[] = [];
  let end!: () => void;
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  const got = { frames, ended, at: 0, reader: {} as LogReader };
  got.reader = {
    onFrames(f: string[], lastSeq: number) {
      frames.push(...f);
      got.at = lastSeq;
      if (lastSeq >= until) end();
    },
    onEnd: () => end(),
    onError: assert.fail,
  };
  return got;
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

/** Two stores on the test Redis (as two instances would have), and a stream created by `a`. */
async function twoInstances() {
  const a = await RedisStreamStore.connect({ url: redis.url });
  const b = await RedisStreamStore.connect({ url: redis.url });
  const streamId = newId();
  await a.create({ streamId, meta: {}, createdAt: 1 });
  const close = async () => {
    await a.close();
    await b.close();
  };
  return { a, b, streamId, close };
}

/**
 * Follows `streamId` in `store` from `afterSeq` until it ends (or, given `until`, reaches that
 * sequence number): the frames and the sequence number reached.
 */
async function followToEnd(store: RedisStreamStore, streamId: string, afterSeq: number, until?: number) {
  const reader = recording(until);
  const stop = store.follow(streamId, afterSeq, reader.reader);
  await reader.ended;
  stop();
  return { frames: reader.frames, next: Math.max(reader.at, afterSeq) };
}

/** The ids of the entries of `streamId`'s log in Redis. */
async function entryIds(store: RedisStreamStore, streamId: string): Promise<string[]> {
  const entries = (await store.client.sendCommand(['XRANGE', keys.log(streamId), '-', '+'])) as [string][];
  return entries.map(([id]) => id);
}

/** How many times Redis has run `command` (lower case) so far. */
async function calls(store: RedisStreamStore, command: string): Promise<number> {
  const stats = String(await store.client.sendCommand(['INFO', 'commandstats']));
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
}

/** `count` new streams, created in `store`. */
async function createdStreams(store: RedisStreamStore, count: number): Promise<string[]> {
  const streams = Array.from({ length: count }, () => newId());
  for (const streamId of streams) await store.create({ streamId, meta: {}, createdAt: 1 });
  return streams;
}

/** What an append settled as: 'stored', or its error's type. */
function outcome(appended: Promise<void>): Promise<string> {
  return appended.then(
    () => 'stored',
    (error: { type?: string }) => error.type ?? 'failed',
  );
}

/** Appends `from`…`to` of `streamId` in one event-loop turn, the first as writer `id`'s first; what each settled as. */
function appendRange(store: RedisStreamStore, streamId: string, from: number, to: number, id: string) {
  return Promise.all(
    Array.from({ length: to - from + 1 }, (_, k) =>
      outcome(store.append(streamId, from + k, `${id}${from + k}`, { id, first: k === 0 })),
    ),
  );
}

/** Appends `seqs` of `streamId` in one event-loop turn, as writer `id` past its first call; what each settled as. */
function appendLater(store: RedisStreamStore, streamId: string, seqs: number[], id = 'w') {
  return Promise.all(
    seqs.map((seq) => outcome(store.append(streamId, seq, `${id}${seq}`, { id, first: false }))),
  );
}

test('the scripts are loaded again as soon as the store reconnects to a restarted Redis, before any append', async () => {
  const store = await RedisStreamStore.connect({ url: redis.url });
  try {
    const known = async () =>
      (await store.client.sendCommand(['SCRIPT', 'EXISTS', ...SCRIPTS.map((s) => s.sha)])) as number[];
    const everyOne = SCRIPTS.map(() => 1);
    assert.deepEqual(await known(), everyOne);
    await redis.kill();
    await redis.start();
    for (let i = 0; i < 100 && !store.client.isReady; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await known(), everyOne);
  } finally {
    await store.close();
  }
});

test('a reader of a stream written here costs no Redis read from a recent point, and a replay from an older one', async () => {
  const store = await RedisStreamStore.connect({ url: redis.url });
  try {
    const streamId = newId();
    await store.create({ streamId, meta: {}, createdAt: 1 });
    const before = await calls(store, 'xrange');
    const fromStart = recording();
    store.follow(streamId, 0, fromStart.reader);
    for (let seq = 1; seq <= 200; seq++)
      await store.append(streamId, seq, `f${seq}`, { id: 'w', first: seq === 1 });
    const recent = recording();
    store.follow(streamId, 190, recent.reader);
    assert.equal(await calls(store, 'xrange'), before, 'no XRANGE for readers the recent frames serve');
    const older = recording();
    store.follow(streamId, 10, older.reader);
    await store.end(streamId, 10_000, { id: 'w', first: false });
    await Promise.all([fromStart.ended, recent.ended, older.ended]);
    const all = Array.from({ length: 200 }, (_, k) => `f${k + 1}`);
    assert.deepEqual(fromStart.frames, all);
    assert.deepEqual(recent.frames, all.slice(190));
    assert.deepEqual(older.frames, all.slice(10));
    assert.ok((await calls(store, 'xrange')) > before, 'the older point was replayed from Redis');
  } finally {
    await store.close();
  }
});

test('readers here of a stream this process stops writing (its lease lost) follow the new owner’s appends', {
  timeout: 10_000,
}, async () => {
  const { a, b, streamId, close } = await twoInstances();
  try {
    const onA = recording();
    a.follow(streamId, 0, onA.reader);
    assert.deepEqual(await appendRange(a, streamId, 1, 3, 'a'), Array(3).fill('stored'));
    // a's writer is abandoned without any append of it refused: b continues the log.
    a.stopWriting(streamId);
    assert.deepEqual(await appendRange(b, streamId, 4, 5, 'b'), ['stored', 'stored']);
    await b.end(streamId, 10_000, { id: 'b', first: false });
    await onA.ended;
    assert.deepEqual(onA.frames, ['a1', 'a2', 'a3', 'b4', 'b5']);
  } finally {
    await close();
  }
});

describe('appends queued in one event-loop turn', () => {
  test('go to Redis as one script call, as one entry whose id is the last frame’s sequence number', async () => {
    const store = await RedisStreamStore.connect({ url: redis.url });
    try {
      const streamId = newId();
      await store.create({ streamId, meta: {}, createdAt: 1 });
      const before = await calls(store, 'evalsha');
      assert.deepEqual(await appendRange(store, streamId, 1, 50, 'w'), Array(50).fill('stored'));
      assert.equal((await calls(store, 'evalsha')) - before, 1, 'one script call for the 50 appends');
      assert.deepEqual(
        (await store.read(streamId))!.frames,
        Array.from({ length: 50 }, (_, k) => `w${k + 1}`),
      );
      assert.deepEqual(await entryIds(store, streamId), ['0-50']);
    } finally {
      await store.close();
    }
  });

  test('each call is announced on the stream’s channel with its last frame’s sequence number', async () => {
    const store = await RedisStreamStore.connect({ url: redis.url });
    const listener = store.client.duplicate();
    try {
      const streamId = newId();
      await store.create({ streamId, meta: {}, createdAt: 1 });
      await listener.connect();
      const announced: string[] = [];
      await listener.subscribe(keys.live(streamId), (message) => announced.push(message));
      await appendRange(store, streamId, 1, 1, 'w'); // the writer's first call: one frame
      await appendRange(store, streamId, 2, 4, 'w'); // three frames, one entry
      await store.append(streamId, 5, 'w5', { id: 'w', first: false }); // one frame, a later call
      await store.end(streamId, 10_000, { id: 'w', first: false });
      for (let i = 0; i < 100 && announced.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(announced, ['1', '4', '5', '6']);
      assert.deepEqual(await entryIds(store, streamId), ['0-1', '0-4', '0-5', '0-6']);
    } finally {
      await listener.quit();
      await store.close();
    }
  });

  test('large frames make several entries: an entry takes no frame past MAX_BATCH_CHARS, a larger frame goes alone', async () => {
    const store = await RedisStreamStore.connect({ url: redis.url });
    try {
      const streamId = newId();
      await store.create({ streamId, meta: {}, createdAt: 1 });
      const third = Math.floor(MAX_BATCH_CHARS / 3);
      const frames = [third, third, third, third, 2 * MAX_BATCH_CHARS, 10].map((n, k) =>
        String.fromCharCode(97 + k).repeat(n),
      );
      await Promise.all(
        frames.map((frame, k) => store.append(streamId, k + 1, frame, { id: 'w', first: k === 0 })),
      );
      assert.deepEqual(await entryIds(store, streamId), ['0-3', '0-4', '0-5', '0-6']);
      assert.deepEqual((await store.read(streamId))!.frames, frames);
    } finally {
      await store.close();
    }
  });

  test('a reader from any point inside an entry gets exactly the frames after it, from another instance too', async () => {
    const { a, b, streamId, close } = await twoInstances();
    try {
      await appendRange(a, streamId, 1, 20, 'x');
      await appendRange(a, streamId, 21, 25, 'y');
      await a.end(streamId, 10_000);
      const all = [...Array.from({ length: 20 }, (_, k) => `x${k + 1}`), 'y21', 'y22', 'y23', 'y24', 'y25'];
      for (let after = 0; after <= 25; after++) {
        const { frames, next } = await followToEnd(b, streamId, after);
        assert.deepEqual(frames, all.slice(after), `after ${after}`);
        assert.equal(next, 25, `after ${after}: the sequence number reached`);
      }
      assert.deepEqual((await b.read(streamId))!.frames, all);
      assert.deepEqual(await b.tail(streamId), { lastSeq: 25, ended: true });
    } finally {
      await close();
    }
  });

  test('frames in one entry keep every character: emoji, Arabic, CRLF, and a lone surrogate as U+FFFD (as on the wire)', async () => {
    const { a, b, streamId, close } = await twoInstances();
    try {
      const frames = ['👩‍👩‍👧 ', 'مرحبا،', '\r\n', '\ud800x', 'é', ',', ''];
      const live = followToEnd(b, streamId, 0);
      await Promise.all(
        frames.map((frame, k) => a.append(streamId, k + 1, frame, { id: 'w', first: k === 0 })),
      );
      await a.end(streamId, 10_000);
      const expected = frames.map((frame) => frame.replace('\ud800', '\ufffd'));
      assert.deepEqual((await live).frames, expected, 'followed live, from another instance');
      assert.deepEqual((await b.read(streamId))!.frames, expected, 'read back');
    } finally {
      await close();
    }
  });

  test('a log stored one entry per frame (as earlier versions did) reads the same', async () => {
    const { a, b, streamId, close } = await twoInstances();
    try {
      const log = keys.log(streamId);
      for (let seq = 1; seq <= 3; seq++)
        await a.client.sendCommand(['XADD', log, `0-${seq}`, 'f', `old${seq}`, 'w', 'old']);
      assert.deepEqual((await followToEnd(b, streamId, 1, 3)).frames, ['old2', 'old3']);
      assert.deepEqual(await b.tail(streamId), { lastSeq: 3, ended: false });
      await b.append(streamId, 4, 'new4', { id: 'new', first: true });
      await b.end(streamId, 10_000, { id: 'new', first: false });
      assert.deepEqual((await a.read(streamId))!.frames, ['old1', 'old2', 'old3', 'new4']);
    } finally {
      await close();
    }
  });

  test("a fenced writer's batch is refused as a whole: nothing of it is stored", async () => {
    const { a, b, streamId, close } = await twoInstances();
    try {
      assert.deepEqual(await appendRange(a, streamId, 1, 3, 'a'), Array(3).fill('stored'));
      await b.append(streamId, 4, 'b4', { id: 'b', first: true });
      const late = await appendLater(
        a,
        streamId,
        Array.from({ length: 10 }, (_, k) => 4 + k),
        'a',
      );
      assert.deepEqual(late, Array(10).fill('writer_fenced'));
      assert.deepEqual((await a.read(streamId))!.frames, ['a1', 'a2', 'a3', 'b4']);
    } finally {
      await close();
    }
  });

  test('a batch that does not start right after the last entry is refused whole; appends after a gap are refused', async () => {
    const store = await RedisStreamStore.connect({ url: redis.url });
    try {
      const streamId = newId();
      await store.create({ streamId, meta: {}, createdAt: 1 });
      assert.deepEqual(await appendRange(store, streamId, 1, 2, 'w'), ['stored', 'stored']);
      assert.deepEqual(await appendRange(store, streamId, 4, 6, 'x'), Array(3).fill('writer_fenced'));
      // In one turn: 3 and 4 follow the log, 6 leaves a gap; the gap's side is refused alone.
      const mixed = appendLater(store, streamId, [3, 4, 6]);
      assert.deepEqual(await mixed, ['stored', 'stored', 'writer_fenced']);
      assert.deepEqual((await store.read(streamId))!.frames, ['w1', 'w2', 'w3', 'w4']);
    } finally {
      await store.close();
    }
  });

  test('appends queued over several turns while a call of their stream is on its way go together after it', async () => {
    const store = await RedisStreamStore.connect({ url: redis.url });
    try {
      const streamId = newId();
      await store.create({ streamId, meta: {}, createdAt: 1 });
      const before = await calls(store, 'evalsha');
      // Redis runs no write for a while: the call for 1 is on its way while 2…3 and then 4…5
      // come in the next two turns.
      await store.client.sendCommand(['CLIENT', 'PAUSE', '200', 'WRITE']);
      const appends = [store.append(streamId, 1, 'w1', { id: 'w', first: true })];
      for (const seqs of [
        [2, 3],
        [4, 5],
      ]) {
        await new Promise((resolve) => setImmediate(resolve));
        for (const seq of seqs)
          appends.push(store.append(streamId, seq, `w${seq}`, { id: 'w', first: false }));
      }
      await Promise.all(appends);
      assert.equal((await calls(store, 'evalsha')) - before, 2, 'one call for 1, one for 2…5');
      assert.deepEqual((await store.read(streamId))!.frames, ['w1', 'w2', 'w3', 'w4', 'w5']);
    } finally {
      await store.close();
    }
  });

  test('reach each reader here in one call, every frame once: a reader ahead gets only the frames after its point', async () => {
    const store = await RedisStreamStore.connect({ url: redis.url });
    const calls = (label: string, got: string[][]) => ({
      onFrames: (frames: string[], lastSeq: number) => got.push([...frames, `${label}@${lastSeq}`]),
      onEnd() {},
      onError: assert.fail,
    });
    try {
      const streamId = newId();
      await store.create({ streamId, meta: {}, createdAt: 1 });
      const fromStart: string[][] = [];
      const fromTwo: string[][] = [];
      const fromFive: string[][] = [];
      store.follow(streamId, 0, calls('a', fromStart));
      assert.deepEqual(await appendRange(store, streamId, 1, 3, 'w'), Array(3).fill('stored'));
      store.follow(streamId, 1, calls('b', fromTwo));
      store.follow(streamId, 5, calls('c', fromFive));
      assert.deepEqual(await appendRange(store, streamId, 4, 7, 'w'), Array(4).fill('stored'));
      assert.deepEqual(fromStart, [
        ['w1', 'w2', 'w3', 'a@3'],
        ['w4', 'w5', 'w6', 'w7', 'a@7'],
      ]);
      assert.deepEqual(fromTwo, [
        ['w2', 'w3', 'b@3'],
        ['w4', 'w5', 'w6', 'w7', 'b@7'],
      ]);
      assert.deepEqual(fromFive, [['w6', 'w7', 'c@7']]);
    } finally {
      await store.close();
    }
  });

  test('appends of several streams in one turn go in one call, and each reaches its own log, in order', async () => {
    const store = await RedisStreamStore.connect({ url: redis.url });
    try {
      const streams = await createdStreams(store, 3);
      const before = await calls(store, 'evalsha');
      const appends: Promise<void>[] = [];
      for (let seq = 1; seq <= 5; seq++)
        for (const streamId of streams)
          appends.push(store.append(streamId, seq, `${streamId}:${seq}`, { id: 'w', first: seq === 1 }));
      await Promise.all(appends);
      assert.equal((await calls(store, 'evalsha')) - before, 1, 'one call for the three streams');
      for (const streamId of streams)
        assert.deepEqual(
          (await store.read(streamId))!.frames,
          [1, 2, 3, 4, 5].map((seq) => `${streamId}:${seq}`),
        );
    } finally {
      await store.close();
    }
  });
});

test('appends of several streams made in separate callbacks of one turn (their own timers) go in one call', async () => {
  const store = await RedisStreamStore.connect({ url: redis.url });
  try {
    const streams = await createdStreams(store, 3);
    const before = await calls(store, 'evalsha');
    const appends = await new Promise<Promise<void>[]>((resolve) => {
      const made: Promise<void>[] = [];
      for (const streamId of streams)
        setTimeout(() => {
          made.push(store.append(streamId, 1, `${streamId}:1`, { id: 'w', first: true }));
          if (made.length === streams.length) resolve(made);
        }, 1);
    });
    await Promise.all(appends);
    assert.equal((await calls(store, 'evalsha')) - before, 1, 'one call for the three streams');
  } finally {
    await store.close();
  }
});

test('in a call of several streams, a stream whose writer is fenced is refused alone; the others are stored', async () => {
  const store = await RedisStreamStore.connect({ url: redis.url });
  try {
    const [taken, free] = await createdStreams(store, 2);
    for (const streamId of [taken!, free!])
      await store.append(streamId, 1, 'old1', { id: 'old', first: true });
    await store.append(taken!, 2, 'new2', { id: 'new', first: true }); // a takeover of `taken`
    const [late, next] = await Promise.allSettled([
      store.append(taken!, 3, 'old3', { id: 'old', first: false }),
      store.append(free!, 2, 'old2', { id: 'old', first: false }),
    ]);
    assert.equal(late.status === 'rejected' && (late.reason as { type?: string }).type, 'writer_fenced');
    assert.equal(next.status, 'fulfilled');
    assert.deepEqual((await store.read(taken!))!.frames, ['old1', 'new2']);
    assert.deepEqual((await store.read(free!))!.frames, ['old1', 'old2']);
  } finally {
    await store.close();
  }
});

describe("a writer's later calls", () => {
  /** Runs `body` with a store of its own, closed after it. */
  async function withStore(body: (store: RedisStreamStore) => Promise<void>): Promise<void> {
    const store = await RedisStreamStore.connect({ url: redis.url });
    try {
      await body(store);
    } finally {
      await store.close();
    }
  }

  /** A stream created with frame 1 by writer `w`, then `w`'s frame 2 stored. */
  async function written(store: RedisStreamStore): Promise<string> {
    const streamId = newId();
    await store.createWithFirst(
      { streamId, meta: {}, createdAt: 1 },
      { frame: 'w1', writer: { id: 'w', first: true } },
    );
    await store.append(streamId, 2, 'w2', { id: 'w', first: false });
    return streamId;
  }

  test('know their entry is still the last by the log’s entry count, the end’s call too: the entry is not read', () =>
    withStore(async (store) => {
      const streamId = await written(store);
      const entriesRead = await calls(store, 'xrevrange');
      assert.deepEqual(await appendLater(store, streamId, [3, 4]), ['stored', 'stored']);
      assert.deepEqual(await appendLater(store, streamId, [5]), ['stored']);
      await store.append(streamId, 6, 'w6', { id: 'w', first: false }, { retentionMs: 10_000 });
      assert.equal(
        await calls(store, 'xrevrange'),
        entriesRead,
        'three calls, the last ending the log: no entry read',
      );
      const { frames, ended } = (await store.read(streamId))!;
      assert.deepEqual([frames, ended], [['w1', 'w2', 'w3', 'w4', 'w5', 'w6'], true]);
    }));

  test('of one frame are stored by the entry alone: Redis refuses an id not above the last, so not even the count is read', () =>
    withStore(async (store) => {
      const streamId = await written(store);
      const [counted, entriesRead] = [await calls(store, 'xlen'), await calls(store, 'xrevrange')];
      for (const seq of [3, 4, 5]) assert.deepEqual(await appendLater(store, streamId, [seq]), ['stored']);
      assert.deepEqual(
        [await calls(store, 'xlen'), await calls(store, 'xrevrange')],
        [counted, entriesRead],
        'three calls of one frame: neither the count nor the entry read',
      );
      // The count the store keeps from these replies still fences its next calls.
      await store.client.sendCommand(['XADD', keys.log(streamId), '0-6', 'f', 'x6', 'w', 'x']);
      assert.deepEqual(await appendLater(store, streamId, [6, 7]), ['writer_fenced', 'writer_fenced']);
      assert.deepEqual((await store.read(streamId))!.frames, ['w1', 'w2', 'w3', 'w4', 'w5', 'x6']);
    }));

  test('of one frame are refused when another writer stored that frame or later, or ended the log: nothing stored', () =>
    withStore(async (store) => {
      for (const theirs of [['0-3'], ['0-3', '0-4'], ['0-3 end']]) {
        const streamId = await written(store);
        for (const entry of theirs) {
          const [id, end] = entry.split(' ');
          const fields = end ? ['end', '1'] : ['f', `x${id!.slice(2)}`];
          await store.client.sendCommand(['XADD', keys.log(streamId), id!, ...fields, 'w', 'x']);
        }
        assert.deepEqual(await appendLater(store, streamId, [3]), ['writer_fenced'], theirs.join());
        const { frames } = (await store.read(streamId))!;
        assert.ok(!frames.includes('w3'), `${theirs.join()}: ${frames.join()}`);
      }
    }));

  test('of one frame are refused when the log is gone (expired): it is not made again from that frame', () =>
    withStore(async (store) => {
      const streamId = await written(store);
      await store.client.sendCommand(['DEL', keys.log(streamId)]);
      assert.deepEqual(await appendLater(store, streamId, [3]), ['writer_fenced']);
      assert.equal(await store.client.sendCommand(['EXISTS', keys.log(streamId)]), 0);
    }));

  test('read the entry when another writer added one (another process, an earlier version): refused, nothing stored', () =>
    withStore(async (store) => {
      const streamId = await written(store);
      // Written without this store: its entry count is news to it.
      await store.client.sendCommand(['XADD', keys.log(streamId), '0-3', 'f', 'x3', 'w', 'x']);
      // Frames 3 and 4 as one entry, 0-4, would sort after x's 0-3: only the fence keeps them out.
      assert.deepEqual(await appendLater(store, streamId, [3, 4]), ['writer_fenced', 'writer_fenced']);
      assert.deepEqual((await store.read(streamId))!.frames, ['w1', 'w2', 'x3']);
    }));
});

describe('streams written by another instance', () => {
  test('are read on their announcements: every frame once, in order, for early and late followers alike', async () => {
    const writer = await RedisStreamStore.connect({ url: redis.url });
    const follower = await RedisStreamStore.connect({ url: redis.url });
    try {
      const before = await xreadCalls(follower);
      const streams = Array.from({ length: 60 }, () => newId());
      for (const streamId of streams) await writer.create({ streamId, meta: {}, createdAt: 1 });
      const early = streams.map((streamId) => {
        const r = recording();
        follower.follow(streamId, 0, r.reader);
        return r;
      });
      const late: ReturnType<typeof recording>[] = [];
      for (let seq = 1; seq <= 20; seq++) {
        await Promise.all(
          streams.map((id) => writer.append(id, seq, `${id}:${seq}`, { id: 'w', first: seq === 1 })),
        );
        // Followers that join mid-stream, from where a client saw the log (replay, then live).
        if (seq === 7 || seq === 13)
          for (const streamId of streams.slice(0, 10)) {
            const r = recording();
            follower.follow(streamId, seq - 2, r.reader);
            late.push(r);
          }
      }
      for (const streamId of streams) await writer.end(streamId, 10_000, { id: 'w', first: false });
      await Promise.all([...early, ...late].map((r) => r.ended));
      for (const [i, streamId] of streams.entries()) {
        const all = Array.from({ length: 20 }, (_, k) => `${streamId}:${k + 1}`);
        assert.deepEqual(early[i]!.frames, all);
        if (i < 10) {
          assert.deepEqual(late[i]!.frames, all.slice(5), 'joined after seq 5');
          assert.deepEqual(late[10 + i]!.frames, all.slice(11), 'joined after seq 11');
        }
      }
      assert.equal(await xreadCalls(follower), before, 'no blocking read over every followed key');
    } finally {
      await writer.close();
      await follower.close();
    }
  });

  test('a follower of many streams costs one read of one key per announced append', async () => {
    const writer = await RedisStreamStore.connect({ url: redis.url });
    const follower = await RedisStreamStore.connect({ url: redis.url });
    try {
      const streams = Array.from({ length: 200 }, () => newId());
      for (const streamId of streams) await writer.create({ streamId, meta: {}, createdAt: 1 });
      const readers = streams.map((streamId) => {
        const r = recording();
        follower.follow(streamId, 0, r.reader);
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 200)); // subscriptions in place
      const before = await calls(follower, 'xrange');
      const xreads = await xreadCalls(follower);
      const quiet = streams[0]!;
      await writer.append(quiet, 1, 'only', { id: 'w', first: true });
      await writer.end(quiet, 10_000, { id: 'w', first: false });
      await readers[0]!.ended;
      const reads = (await calls(follower, 'xrange')) - before;
      assert.ok(
        reads <= 2,
        `one stream's two announcements read ${reads} times, not once per followed stream`,
      );
      assert.deepEqual(readers[0]!.frames, ['only']);
      assert.equal(await xreadCalls(follower), xreads, 'no blocking read over the 200 followed keys');
    } finally {
      await writer.close();
      await follower.close();
    }
  });

  test('when the announcements connection fails, every follower is told (its client resumes)', async () => {
    const writer = await RedisStreamStore.connect({ url: redis.url });
    const follower = await RedisStreamStore.connect({ url: redis.url });
    try {
      const streamId = newId();
      await writer.create({ streamId, meta: {}, createdAt: 1 });
      const errors: Error[] = [];
      follower.follow(streamId, 0, {
        onFrames: () => {},
        onEnd: assert.fail,
        onError: (e) => errors.push(e),
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await writer.client.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
      for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(errors.length, 1);
      // A new follower after the failure is served by a new connection.
      const again = recording();
      follower.follow(streamId, 0, again.reader);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await writer.append(streamId, 1, 'after', { id: 'w', first: true });
      await writer.end(streamId, 10_000, { id: 'w', first: false });
      await again.ended;
      assert.deepEqual(again.frames, ['after']);
    } finally {
      await writer.close();
      await follower.close();
    }
  });
});
