/**
 * The memory store bounds all its logs together (`maxRetainedBytes`, in UTF-8 bytes): past
 * it the oldest finished logs are freed first, each reported to `onEvict`; running logs are
 * never freed. (Twenty long answers used to take the process from 121 to 527 MB.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStreamStore } from '../src/index.ts';

/** A log of `count` frames of 100 Chinese characters (300 bytes of text each). */
async function fill(store: MemoryStreamStore, streamId: string, count: number, end: boolean) {
  await store.create({ streamId, createdAt: 1, meta: null });
  for (let seq = 1; seq <= count; seq++) store.append(streamId, seq, `data: ${'流'.repeat(100)}\n\n`);
  if (end) await store.end(streamId, 60_000);
}

test('past the budget the oldest finished logs go first; running logs stay', async () => {
  const evicted: string[] = [];
  const frameBytes = 6 + 300 + 2;
  const store = new MemoryStreamStore({
    maxRetainedBytes: 10 * frameBytes,
    onEvict: (id) => evicted.push(id),
  });
  await fill(store, 'running', 3, false);
  await fill(store, 'old', 3, true);
  await fill(store, 'middle', 3, true);
  assert.equal(store.retainedBytes, 9 * frameBytes, 'bytes are UTF-8 bytes');
  assert.deepEqual(evicted, []);
  await fill(store, 'new', 3, true);
  assert.deepEqual(evicted, ['old']);
  assert.equal(await store.info('old'), undefined);
  assert.ok(await store.info('middle'));
  assert.equal(store.retainedBytes, 9 * frameBytes);
  await fill(store, 'big running', 12, false);
  assert.deepEqual(evicted, ['old', 'middle', 'new'], 'every finished log went, oldest first');
  assert.ok(await store.info('running'));
  assert.ok(await store.info('big running'));
  await store.close();
});
