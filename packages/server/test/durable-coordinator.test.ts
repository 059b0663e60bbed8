/**
 * The durable store's coordinator: at start, every stream the last run left running is handed
 * to the takeover, all at once; a takeover that fails is reported with its stream id. (The
 * hand-off at close is proved end to end by apps/gateway/test/durable-restart.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DurableCoordinator, DurableStreamStore } from '../src/durable/index.ts';
import { newId } from '../src/internal.ts';

const dir = mkdtempSync(join(tmpdir(), 'tidewire-durable-coordinator-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const info = (streamId: string) => ({ streamId, createdAt: 1, meta: { owner: null } });

/** A file with `running` unended streams and one ended stream, as a killed process leaves it. */
async function fileLeftRunning(path: string, running: string[]): Promise<void> {
  const store = new DurableStreamStore({ path });
  for (const streamId of running) {
    await store.create(info(streamId));
    await store.append(streamId, 1, `id: ${streamId}:1\ndata: {}\n\n`);
  }
  const ended = newId();
  await store.create(info(ended));
  await store.end(ended, 60_000);
  await store.close();
}

test('at start every orphan is handed to the takeover at once; a failed one is reported', async () => {
  const path = join(dir, 'a.db');
  const [a, b, c] = [newId(), newId(), newId()];
  await fileLeftRunning(path, [a, b, c]);
  const store = new DurableStreamStore({ path });
  const errors: [string, string | undefined][] = [];
  const coordinator = new DurableCoordinator(store, { onError: (e, id) => errors.push([e.message, id]) });
  const started: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  coordinator.listen({
    onCancel: () => {},
    onLeaseLost: () => {},
    onOrphan: async (streamId) => {
      started.push(streamId);
      await held; // all three must start before any finishes
      if (streamId === b) throw new Error('the model is gone');
    },
  });
  while (started.length < 3) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started.toSorted(), [a, b, c].toSorted());
  release();
  await coordinator.recovered;
  assert.deepEqual(errors, [['the model is gone', b]]);
  await store.close();
});

test('a coordinator closed before its recovery starts takes nothing over', async () => {
  const path = join(dir, 'b.db');
  await fileLeftRunning(path, [newId()]);
  const store = new DurableStreamStore({ path });
  const coordinator = new DurableCoordinator(store);
  const started: string[] = [];
  coordinator.listen({
    onCancel: () => {},
    onLeaseLost: () => {},
    onOrphan: async (streamId) => {
      started.push(streamId);
    },
  });
  await coordinator.close();
  await coordinator.recovered;
  assert.deepEqual(started, []);
  await store.close();
});
