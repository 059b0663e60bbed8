/**
 * The durable store: the shared store contract, plus what a restart must find in the file —
 * the same streams, the streams that were running (orphans), retention across restarts, and
 * every frame a reader was given even when the writer process is killed right after.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { DurableStreamStore, LogFileLockedError } from '../src/durable/index.ts';
import { StoreUnavailableError } from '../src/errors.ts';
import type { LogReader, StreamInfo } from '../src/index.ts';
import { newId } from '../src/internal.ts';
import { artifactStoreContract, streamStoreContract } from '../src/test/store-contract.ts';

const dir = mkdtempSync(join(tmpdir(), 'tidewire-durable-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const newPath = () => join(dir, `${newId()}.db`);

const info = (streamId = newId()): StreamInfo => ({
  streamId,
  createdAt: 1_000,
  meta: { owner: 'u1', request: { messages: [{ role: 'user', content: 'é ✓' }] } },
});
const frame = (seq: number) => `id: s:${seq}\nevent: delta\ndata: {"text":"${seq} ✓"}\n\n`;
const frames = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => frame(from + k));

/** A reader that records what it is given. */
function recorder() {
  const got = { frames: [] as string[], ended: false, errors: [] as Error[] };
  const reader: LogReader = {
    onFrames: (f) => got.frames.push(...f),
    onEnd: () => {
      got.ended = true;
    },
    onError: (e) => got.errors.push(e),
  };
  return { got, reader };
}

async function writeStream(store: DurableStreamStore, streamId: string, count: number) {
  await store.create(info(streamId));
  for (let seq = 1; seq <= count; seq++) void store.append(streamId, seq, frame(seq));
  await store.append(streamId, count + 1, frame(count + 1));
}

describe('DurableStreamStore', () => {
  streamStoreContract(async () => new DurableStreamStore({ path: newPath() }));
  artifactStoreContract(async () => new DurableStreamStore({ path: newPath() }));

  test('a new store on the same file (a restart) has the same streams, frames and ends', async () => {
    const path = newPath();
    const [ended, running] = [newId(), newId()];
    const first = new DurableStreamStore({ path });
    await writeStream(first, ended, 9);
    await first.end(ended, 60_000);
    await writeStream(first, running, 4);
    await first.close();

    const second = new DurableStreamStore({ path });
    assert.deepEqual(await second.info(ended), info(ended));
    assert.deepEqual(await second.read(ended), { info: info(ended), frames: frames(1, 10), ended: true });
    assert.deepEqual(await second.read(running), { info: info(running), frames: frames(1, 5), ended: false });
    const { got, reader } = recorder();
    second.follow(ended, 3, reader);
    assert.deepEqual(got, { frames: frames(4, 10), ended: true, errors: [] });
    await second.close();
  });

  test('the streams running when the file was closed are orphans; continued, they number on and end', async () => {
    const path = newPath();
    const running = newId();
    const first = new DurableStreamStore({ path });
    await writeStream(first, running, 4);
    assert.deepEqual(await first.orphans(), [], 'a stream written here is no orphan');
    await first.close();

    const second = new DurableStreamStore({ path });
    assert.deepEqual(await second.orphans(), [running]);
    const { got, reader } = recorder();
    second.follow(running, 2, reader);
    await assert.rejects(async () => second.append(running, 5, frame(5)), /expected seq 6/);
    await second.append(running, 6, frame(6));
    await second.end(running, 60_000);
    assert.deepEqual(got, { frames: frames(3, 6), ended: true, errors: [] });
    assert.deepEqual(await second.orphans(), []);
    await second.close();
    const third = new DurableStreamStore({ path });
    assert.deepEqual(await third.orphans(), []);
    await third.close();
  });

  test('an ended stream stays readable until its retention passes, across a restart', async () => {
    const path = newPath();
    let now = 50_000;
    const clock = () => now;
    const streamId = newId();
    const first = new DurableStreamStore({ path, now: clock });
    await writeStream(first, streamId, 2);
    await first.end(streamId, 1_000);
    now += 999;
    await first.close();

    const second = new DurableStreamStore({ path, now: clock });
    assert.deepEqual(await second.info(streamId), info(streamId));
    now += 1;
    assert.equal(await second.info(streamId), undefined);
    assert.equal(await second.read(streamId), undefined);
    const { got, reader } = recorder();
    second.follow(streamId, 0, reader);
    assert.match(got.errors[0]?.message ?? '', /not found/);
    second.sweep();
    await second.create(info(streamId)); // the id is free again
    assert.deepEqual(await second.read(streamId), { info: info(streamId), frames: [], ended: false });
    await second.close();
  });

  test('a second store on a file in use is refused with a clear error', async () => {
    const path = newPath();
    const first = new DurableStreamStore({ path });
    assert.throws(
      () => new DurableStreamStore({ path, lockWaitMs: 0 }),
      (error) => error instanceof LogFileLockedError && /in use by another process/.test(error.message),
    );
    await first.close();
    await new DurableStreamStore({ path, lockWaitMs: 0 }).close();
  });

  test('a file written by a newer schema is refused, not changed', async () => {
    const path = newPath();
    const db = new DatabaseSync(path);
    db.exec('PRAGMA user_version = 99');
    db.close();
    assert.throws(() => new DurableStreamStore({ path }), /schema 99, newer than this server's 2/);
    const again = new DatabaseSync(path);
    assert.equal(again.prepare('PRAGMA user_version').get()?.user_version, 99);
    again.close();
  });

  test('a write that fails (file full) fails writer and readers; the log keeps what was delivered', async () => {
    const path = newPath();
    const streamId = newId();
    const full = new DurableStreamStore({ path, maxBytes: 64 * 1024 });
    await full.create(info(streamId));
    const { got, reader } = recorder();
    full.follow(streamId, 0, reader);
    const big = (seq: number) => `${frame(seq)}: ${'x'.repeat(4000)}\n\n`;
    let failure: unknown;
    for (let seq = 1; seq <= 100 && !failure; seq++) {
      await full.append(streamId, seq, big(seq)).catch((error) => {
        failure = error;
      });
    }
    assert.ok(failure instanceof StoreUnavailableError, 'the writer is told');
    assert.match(failure.message, /could not be written/);
    assert.equal(got.errors[0], failure, 'the reader is told');
    assert.throws(() => full.append(streamId, got.frames.length + 1, 'x'), StoreUnavailableError);
    await full.close();

    const reopened = new DurableStreamStore({ path });
    const log = await reopened.read(streamId);
    assert.deepEqual(log?.frames, got.frames, 'on disk: exactly what the reader was given');
    assert.deepEqual(await reopened.orphans(), [streamId], 'the next start can continue it');
    await reopened.close();
  });

  test('a writer process killed right after its reader got frames: every delivered frame is on disk', async () => {
    const path = newPath();
    const streamId = newId();
    const child = spawn(
      process.execPath,
      [
        '--conditions=tidewire-source',
        '--no-warnings',
        join(import.meta.dirname, 'durable-writer.ts'),
        path,
        streamId,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let delivered = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      const [word, seq] = line.split(' ');
      assert.equal(word, 'delivered', line);
      delivered = Number(seq);
      if (delivered >= 60) break;
    }
    child.kill('SIGKILL');
    assert.equal(await exited, null);

    const store = new DurableStreamStore({ path });
    const log = await store.read(streamId);
    assert.ok(log, 'the stream is on disk');
    assert.ok(log.frames.length >= delivered, `${log.frames.length} frames on disk, ${delivered} delivered`);
    const ids = log.frames.map((f) => f.slice(0, f.indexOf('\n')));
    assert.deepEqual(
      ids,
      Array.from({ length: ids.length }, (_, k) => `id: ${streamId}:${k + 1}`),
      'in order, no gap',
    );
    assert.equal(log.ended, false);
    assert.deepEqual(await store.orphans(), [streamId]);
    await store.close();
  });
});
