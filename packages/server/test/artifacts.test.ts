/**
 * Artifacts through the engine: a stream stores binary results beside its log, numbered in
 * order; they are read back with the same ownership check as the log, and refused once the
 * stream ended, past the bound, or on a store that keeps none.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, MemoryStreamStore, type StreamStore } from '../src/index.ts';

const png = (salt: number) => Uint8Array.from({ length: 64 }, (_, k) => (k + salt) % 256);
const owned = (user: string) => ({ authorize: (meta: { user: string }) => meta.user === user });

test('artifacts are numbered 1, 2, … and come back byte for byte to their owner only', async () => {
  const engine = createEngine<Record<string, unknown>, { user: string }>({ heartbeatMs: 0 });
  const stream = await engine.start({ meta: { user: 'ann' } });
  assert.equal(await stream.putArtifact({ type: 'image/png', bytes: png(1) }), 1);
  assert.equal(await stream.putArtifact({ type: 'audio/wav', bytes: png(2) }), 2);
  assert.deepEqual(await engine.artifact(stream.id, 1, owned('ann')), { type: 'image/png', bytes: png(1) });
  assert.deepEqual(await engine.artifact(stream.id, 2), { type: 'audio/wav', bytes: png(2) });
  assert.equal(await engine.artifact(stream.id, 1, owned('bob')), undefined);
  assert.equal(await engine.artifact(stream.id, 3, owned('ann')), undefined);
  assert.equal(await engine.artifact('no-such-stream', 1), undefined);
  await stream.end();
  await assert.rejects(stream.putArtifact({ type: 'image/png', bytes: png(3) }), { type: 'stream_ended' });
  await engine.close();
});

test('artifacts past maxArtifactBytes are refused with stream_too_large; the stream goes on', async () => {
  const engine = createEngine({ heartbeatMs: 0, maxArtifactBytes: 100 });
  const stream = await engine.start({ meta: null });
  await stream.putArtifact({ type: 'image/png', bytes: png(1) });
  await assert.rejects(stream.putArtifact({ type: 'image/png', bytes: png(2) }), {
    type: 'stream_too_large',
  });
  assert.equal(stream.ended, false);
  await engine.close();
});

test('a store without artifacts refuses them with artifacts_unsupported', async () => {
  const memory = new MemoryStreamStore();
  const bare: StreamStore = {
    create: (i) => memory.create(i),
    append: (id, seq, frame, writer) => memory.append(id, seq, frame, writer),
    end: (id, ms, writer) => memory.end(id, ms, writer),
    info: (id) => memory.info(id),
    read: (id) => memory.read(id),
    tail: (id) => memory.tail(id),
    follow: (id, after, reader) => memory.follow(id, after, reader),
    close: () => memory.close(),
  };
  const engine = createEngine({ heartbeatMs: 0, store: bare });
  const stream = await engine.start({ meta: null });
  await assert.rejects(stream.putArtifact({ type: 'image/png', bytes: png(1) }), {
    type: 'artifacts_unsupported',
  });
  assert.equal(await engine.artifact(stream.id, 1), undefined);
  await engine.close();
});

test('an adopted stream numbers its artifacts after those its first owner stored, and counts their bytes', async () => {
  const store = new MemoryStreamStore();
  const first = createEngine({ heartbeatMs: 0, store, maxArtifactBytes: 200 });
  const stream = await first.start({ meta: null });
  await stream.putArtifact({ type: 'image/png', bytes: png(1) });
  // Stored, but the owner died before an event named it.
  await stream.putArtifact({ type: 'image/png', bytes: png(2) });
  const heir = createEngine({ heartbeatMs: 0, store, maxArtifactBytes: 200 });
  const adopted = heir.adopt((await heir.read(stream.id))!);
  assert.equal(await adopted.putArtifact({ type: 'image/png', bytes: png(3) }), 3);
  assert.deepEqual(await heir.artifact(stream.id, 2), { type: 'image/png', bytes: png(2) });
  await assert.rejects(adopted.putArtifact({ type: 'image/png', bytes: png(4) }), {
    type: 'stream_too_large',
  });
  await adopted.end();
  await heir.close();
  await first.close();
});
