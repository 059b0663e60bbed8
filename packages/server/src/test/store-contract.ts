/**
 * The behaviour every `StreamStore` owes its callers, as one suite run once per store
 * (memory, Redis): the same tests, so the stores are interchangeable.
 * @module
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogReader, LogWriter, StreamInfo, StreamStore } from '../index.ts';
import { newId } from '../internal.ts';

interface Recorded {
  frames: string[];
  seqs: number[];
  ended: boolean;
  errors: Error[];
  reader: LogReader;
}

function recorder(): Recorded {
  const r: Recorded = { frames: [], seqs: [], ended: false, errors: [], reader: undefined as never };
  r.reader = {
    onFrames(frames, lastSeq) {
      r.frames.push(...frames);
      r.seqs.push(lastSeq);
    },
    onEnd() {
      r.ended = true;
    },
    onError(error) {
      r.errors.push(error);
    },
  };
  return r;
}

const info = (): StreamInfo => ({
  streamId: newId(),
  meta: { owner: 'u1', request: { messages: [{ role: 'user', content: 'é ✓' }] } },
  createdAt: Date.now(),
});
const frame = (seq: number) => `id: s:${seq}\nevent: delta\ndata: {"text":"${seq} ✓"}\n\n`;

async function until(check: () => boolean, what: string, ms = 3000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function streamStoreContract(makeStore: () => Promise<StreamStore>): void {
  test('info is kept as given; unknown streams have none', async () => {
    const store = await makeStore();
    const i = info();
    await store.create(i);
    assert.deepEqual(await store.info(i.streamId), i);
    assert.equal(await store.info(newId()), undefined);
    await assert.rejects(store.create(i), /exists/);
    await store.close();
  });

  test('read gives the whole log with its info, and whether it has ended', async () => {
    const store = await makeStore();
    const i = info();
    await store.create(i);
    for (let seq = 1; seq <= 5; seq++) await store.append(i.streamId, seq, frame(seq));
    assert.deepEqual(await store.read(i.streamId), {
      info: i,
      frames: [1, 2, 3, 4, 5].map(frame),
      ended: false,
    });
    const wide = `id: s:6\nevent: delta\ndata: {"text":"مرحبا 🌊 ✓"}\n\n`;
    await store.append(i.streamId, 6, wide);
    await store.end(i.streamId, 60_000);
    assert.deepEqual(await store.read(i.streamId), {
      info: i,
      frames: [...[1, 2, 3, 4, 5].map(frame), wide],
      ended: true,
    });
    assert.equal(await store.read(newId()), undefined);
    await store.close();
  });

  test('a follower from any point gets the rest of the log exactly, then the end', async () => {
    const store = await makeStore();
    const i = info();
    await store.create(i);
    for (let seq = 1; seq <= 20; seq++) await store.append(i.streamId, seq, frame(seq));
    await store.end(i.streamId, 60_000);
    for (const after of [0, 1, 7, 19, 20]) {
      const r = recorder();
      store.follow(i.streamId, after, r.reader);
      await until(() => r.ended, `end after ${after}`);
      assert.deepEqual(
        r.frames,
        Array.from({ length: 20 - after }, (_, k) => frame(after + k + 1)),
      );
      assert.equal(r.seqs.at(-1) ?? after, 20);
    }
    await store.close();
  });

  test('a follower of a running stream gets replay then live frames, no gap, no duplicate', async () => {
    const store = await makeStore();
    const i = info();
    await store.create(i);
    const followers: Recorded[] = [];
    for (let seq = 1; seq <= 60; seq++) {
      await store.append(i.streamId, seq, frame(seq));
      if (seq % 10 === 0) {
        const r = recorder();
        store.follow(i.streamId, seq - 3, r.reader);
        followers.push(r);
      }
    }
    await store.end(i.streamId, 60_000);
    for (const [k, r] of followers.entries()) {
      await until(() => r.ended, `follower ${k}`);
      const from = (k + 1) * 10 - 3;
      assert.deepEqual(
        r.frames,
        Array.from({ length: 60 - from }, (_, n) => frame(from + n + 1)),
      );
    }
    await store.close();
  });

  test('a detached follower receives nothing more', async () => {
    const store = await makeStore();
    const i = info();
    await store.create(i);
    await store.append(i.streamId, 1, frame(1));
    const r = recorder();
    const detach = store.follow(i.streamId, 0, r.reader);
    await until(() => r.frames.length === 1, 'first frame');
    detach();
    await store.append(i.streamId, 2, frame(2));
    await store.end(i.streamId, 60_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(r.frames, [frame(1)]);
    assert.equal(r.ended, false);
    await store.close();
  });

  test('a finished stream is freed after its retention time', async () => {
    const store = await makeStore();
    const i = info();
    await store.create(i);
    await store.append(i.streamId, 1, frame(1));
    await store.end(i.streamId, 50);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(await store.info(i.streamId), undefined);
    await store.close();
  });

  test('tail says where a log stands without reading it', async () => {
    const store = await makeStore();
    const i = info();
    assert.equal(await store.tail(i.streamId), undefined);
    await store.create(i);
    assert.deepEqual(await store.tail(i.streamId), { lastSeq: 0, ended: false });
    for (let seq = 1; seq <= 3; seq++) await store.append(i.streamId, seq, frame(seq));
    assert.deepEqual(await store.tail(i.streamId), { lastSeq: 3, ended: false });
    await store.end(i.streamId, 1000);
    assert.deepEqual(await store.tail(i.streamId), { lastSeq: 3, ended: true });
    await store.close();
  });

  test('a sequence number that is not the next one is refused', async () => {
    const store = await makeStore();
    const i = info();
    await store.create(i);
    await store.append(i.streamId, 1, frame(1));
    await store.append(i.streamId, 2, frame(2));
    await assert.rejects(async () => store.append(i.streamId, 2, frame(2)));
    await store.close();
  });

  test('a taker and a late old owner never interleave: the first to write after the common point keeps the log', async () => {
    const store = await makeStore();
    const i = info();
    await store.create(i);
    const owner = writer('owner');
    for (let seq = 1; seq <= 3; seq++) await store.append(i.streamId, seq, frame(seq), owner());
    // The taker read 3 frames and writes 4 first; the old owner's pipelined 4 and 5 arrive late.
    const taker = writer('taker');
    await store.append(i.streamId, 4, frame(4), taker());
    await assert.rejects(async () => store.append(i.streamId, 4, frame(4), owner()), {
      type: 'writer_fenced',
    });
    await assert.rejects(async () => store.append(i.streamId, 5, frame(5), owner()), {
      type: 'writer_fenced',
    });
    await assert.rejects(store.end(i.streamId, 1000, owner()), { type: 'writer_fenced' });
    await store.append(i.streamId, 5, 'taker 5', taker());
    await store.end(i.streamId, 1000, taker());
    const log = await store.read(i.streamId);
    assert.deepEqual(log?.frames, [frame(1), frame(2), frame(3), frame(4), 'taker 5']);
    assert.equal(log?.ended, true);
    await store.close();
  });

  test('a taker that lost the race to the old owner is refused for good', async () => {
    const store = await makeStore();
    const i = info();
    await store.create(i);
    const owner = writer('owner');
    for (let seq = 1; seq <= 4; seq++) await store.append(i.streamId, seq, frame(seq), owner());
    const taker = writer('taker');
    await assert.rejects(async () => store.append(i.streamId, 4, 'taker 4', taker()), {
      type: 'writer_fenced',
    });
    await assert.rejects(async () => store.append(i.streamId, 5, 'taker 5', taker()), {
      type: 'writer_fenced',
    });
    await assert.rejects(store.end(i.streamId, 1000, taker()), { type: 'writer_fenced' });
    await store.append(i.streamId, 5, frame(5), owner());
    assert.deepEqual((await store.read(i.streamId))?.frames, [1, 2, 3, 4, 5].map(frame));
    await store.close();
  });
}

/** Every byte value, and a size past any small buffer: what an image or a chunk of audio holds. */
const binary = (size: number, salt: number) =>
  Uint8Array.from({ length: size }, (_, k) => (k * 31 + salt) % 256);

/** The artifact half of the contract, for stores that keep artifacts (all three do). */
export function artifactStoreContract(makeStore: () => Promise<StreamStore>): void {
  const withArtifacts = async () => {
    const store = await makeStore();
    assert.ok(store.putArtifact && store.getArtifact, 'the store keeps artifacts');
    return store as StreamStore & Required<Pick<StreamStore, 'putArtifact' | 'getArtifact'>>;
  };

  test('an artifact comes back byte for byte with its type; unknown numbers and streams have none', async () => {
    const store = await withArtifacts();
    const i = info();
    await store.create(i);
    await store.append(i.streamId, 1, frame(1));
    const image = binary(200_000, 7);
    await store.putArtifact(i.streamId, 1, { type: 'image/png', bytes: image });
    await store.putArtifact(i.streamId, 2, { type: 'audio/wav', bytes: binary(3, 1) });
    assert.deepEqual(await store.getArtifact(i.streamId, 1), { type: 'image/png', bytes: image });
    assert.deepEqual(await store.getArtifact(i.streamId, 2), { type: 'audio/wav', bytes: binary(3, 1) });
    assert.equal(await store.getArtifact(i.streamId, 3), undefined);
    assert.equal(await store.getArtifact(newId(), 1), undefined);
    await store.end(i.streamId, 60_000);
    assert.deepEqual(await store.getArtifact(i.streamId, 1), { type: 'image/png', bytes: image });
    await store.close();
  });

  test('a taken number is refused and the first artifact stays; unknown and ended streams take none', async () => {
    const store = await withArtifacts();
    const i = info();
    await store.create(i);
    await store.append(i.streamId, 1, frame(1));
    await store.putArtifact(i.streamId, 1, { type: 'image/png', bytes: binary(10, 1) });
    await assert.rejects(
      store.putArtifact(i.streamId, 1, { type: 'image/png', bytes: binary(10, 2) }),
      /artifact 1/,
    );
    assert.deepEqual((await store.getArtifact(i.streamId, 1))?.bytes, binary(10, 1));
    await assert.rejects(store.putArtifact(newId(), 1, { type: 'image/png', bytes: binary(10, 1) }));
    await store.end(i.streamId, 60_000);
    await assert.rejects(store.putArtifact(i.streamId, 2, { type: 'image/png', bytes: binary(10, 1) }));
    assert.equal(await store.getArtifact(i.streamId, 2), undefined);
    await store.close();
  });

  test("a stream's artifacts are freed with it after its retention time", async () => {
    const store = await withArtifacts();
    const i = info();
    await store.create(i);
    await store.append(i.streamId, 1, frame(1));
    await store.putArtifact(i.streamId, 1, { type: 'audio/wav', bytes: binary(1000, 3) });
    await store.end(i.streamId, 50);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(await store.getArtifact(i.streamId, 1), undefined);
    await store.close();
  });
}

/** A writer as a `Stream` presents itself: `first` only on its first call. */
function writer(id: string): () => LogWriter {
  let calls = 0;
  return () => ({ id, first: calls++ === 0 });
}
