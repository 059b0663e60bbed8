/**
 * What the engine guarantees about the events an app writes, whatever its vocabulary: data
 * failing the declared schema is refused with a typed error, the log bound counts UTF-8 bytes,
 * a failing store is reported to the observer (never swallowed), and a TidewireError is
 * recognised whichever realm or copy of the package made it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { test } from 'node:test';
import vm from 'node:vm';
import { createEngine, MemoryStreamStore, type StreamInfo, TidewireError } from '../src/index.ts';
import { errorResponse } from '../src/internal.ts';
import { type JobEvents, type JobMeta, jobEvents, jobEventsTypeOnly } from './job-fixtures.ts';

const meta = { user: 'ada' };

test('emitting data that fails the schema throws a TidewireError invalid_event and appends nothing', async () => {
  const engine = createEngine({ events: jobEvents, heartbeatMs: 0 });
  const stream = await engine.start({ meta });
  for (const bad of [{ pct: 'ten' }, {}, null]) {
    assert.throws(
      // @ts-expect-error: the vocabulary's type refuses it too
      () => stream.emit('progress', bad),
      (error: unknown) =>
        TidewireError.isInstance(error) &&
        error.type === 'invalid_event' &&
        /event "progress"/.test(error.message),
    );
  }
  assert.equal(stream.lastSeq, 1, 'only hello is in the log');
  stream.emit('progress', { pct: 10 });
  assert.equal(stream.lastSeq, 2);
  await engine.close();
});

test('a type-only vocabulary checks types at compile time and nothing at run time', async () => {
  const engine = createEngine({ events: jobEventsTypeOnly, heartbeatMs: 0 });
  const stream = await engine.start({ meta });
  // @ts-expect-error: `pct` is a number
  stream.emit('progress', { pct: 'ten' });
  assert.equal(stream.lastSeq, 2);
  await engine.close();
});

test('the log bound counts UTF-8 bytes: Chinese text weighs 3 bytes a character', async () => {
  const maxLogBytes = 2000;
  const engine = createEngine<JobEvents, JobMeta>({ events: jobEvents, heartbeatMs: 0, maxLogBytes });
  const stream = await engine.start({ meta });
  const url = `https://files.example/${'报告'.repeat(100)}`;
  for (let i = 0; i < 100 && !stream.ended; i++) stream.emit('result', { url });
  await stream.finished;
  const frames = (await engine.read(stream.id))!.frames;
  const errorAt = frames.findIndex((frame) => frame.includes('event: error'));
  assert.match(frames[errorAt]!, /"type":"stream_too_large"/);
  const kept = frames.slice(0, errorAt);
  const bytes = kept.reduce((sum, frame) => sum + Buffer.byteLength(frame, 'utf8'), 0);
  assert.ok(bytes <= maxLogBytes, `${bytes} bytes kept, bound ${maxLogBytes}`);
  assert.ok(bytes + Buffer.byteLength(kept.at(-1)!, 'utf8') > maxLogBytes, 'the next event would not fit');
  const characters = kept.join('').length + kept.at(-1)!.length;
  assert.ok(characters <= maxLogBytes, 'counting characters would have let another event in');
  await engine.close();
});

test('interrupt stops the work (its signal, with the reason) and leaves the stream open for the work to end', async () => {
  const engine = createEngine<JobEvents, JobMeta>({ events: jobEvents, heartbeatMs: 0 });
  const stream = await engine.start({ meta });
  const reason = new Error('no first token in time');
  stream.interrupt(reason);
  assert.ok(stream.signal.aborted, 'the work is told to stop');
  assert.equal(stream.signal.reason, reason);
  assert.equal(stream.ended, false);
  stream.emit('progress', { pct: 10 });
  await stream.fail('upstream_timeout', 'no first token in time');
  assert.equal(stream.signal.reason, reason, 'the first reason stays');
  const frames = (await engine.read(stream.id))!.frames;
  assert.deepEqual(
    frames.map((frame) => /^event: (\w+)/m.exec(frame)?.[1]),
    ['hello', 'progress', 'error', 'done'],
  );
  const ended = await engine.start({ meta });
  await ended.end();
  ended.interrupt(new Error('too late'));
  assert.equal(ended.signal.aborted, false, 'an ended stream is not interrupted');
  await engine.close();
});

/** A memory store whose appends fail after the first event, thrown or rejected. */
class FailingStore extends MemoryStreamStore {
  readonly failure: Error;
  readonly asynchronously: boolean;
  constructor(failure: Error, asynchronously: boolean) {
    super();
    this.failure = failure;
    this.asynchronously = asynchronously;
  }
  override append(streamId: string, seq: number, frame: string): void | Promise<void> {
    if (seq === 1) return super.append(streamId, seq, frame);
    if (this.asynchronously) return Promise.reject(this.failure);
    throw this.failure;
  }
}

for (const asynchronously of [false, true]) {
  test(`a store whose append ${asynchronously ? 'rejects' : 'throws'} is reported to observer.onError`, async () => {
    const failure = new Error('disk full');
    const reported: [Error, StreamInfo | undefined][] = [];
    const engine = createEngine<JobEvents, JobMeta>({
      events: jobEvents,
      heartbeatMs: 0,
      store: new FailingStore(failure, asynchronously),
      observer: { onError: (error, info) => reported.push([error, info]) },
    });
    const stream = await engine.start({ meta });
    stream.emit('progress', { pct: 10 });
    await stream.end();
    assert.equal(reported[0]?.[0], failure);
    assert.deepEqual(reported[0]?.[1], stream.info);
    assert.ok(stream.signal.aborted, 'the work is told to stop');
    assert.ok(stream.abandoned, 'a writer that lost its appends does not end the log');
    await engine.close();
  });
}

/** Builds a TidewireError in a fresh `node:vm` realm, from the protocol package's own source. */
function errorFromAnotherRealm(): unknown {
  const source = readFileSync(new URL('../../protocol/src/errors.ts', import.meta.url), 'utf8');
  const script = stripTypeScriptTypes(source).replace(/^export /gm, '');
  return vm.runInNewContext(`${script}\nnew TidewireError('stream_not_found', 'gone', { status: 404 })`);
}

test('TidewireError.isInstance recognises an error built in another realm', async () => {
  const foreign = errorFromAnotherRealm();
  assert.equal(foreign instanceof Error, false, 'another realm: another Error');
  assert.equal(foreign instanceof TidewireError, false);
  assert.equal(TidewireError.isInstance(foreign), true);
  const answer = errorResponse(foreign);
  assert.equal(answer.status, 404, 'the handlers answer it as the error it is');
  assert.deepEqual(await answer.json(), { error: { type: 'stream_not_found', message: 'gone' } });
  assert.equal(TidewireError.isInstance(vm.runInNewContext(`new Error('x')`)), false);
});

/** A memory store whose append 2 waits for `release`, while every later one is refused at once. */
class OutOfOrderStore extends MemoryStreamStore {
  readonly failure = new Error('refused: expected seq 2');
  release!: () => void;
  override append(streamId: string, seq: number, frame: string): void | Promise<void> {
    if (seq >= 3) return Promise.reject(this.failure);
    if (seq !== 2) return super.append(streamId, seq, frame);
    return new Promise<void>((resolve) => {
      this.release = () => resolve(super.append(streamId, seq, frame));
    });
  }
}

test('an append refused while an earlier one is still on its way is reported, never left unhandled', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const store = new OutOfOrderStore();
    const reported: Error[] = [];
    const engine = createEngine<JobEvents, JobMeta>({
      events: jobEvents,
      heartbeatMs: 0,
      store,
      observer: { onError: (error) => reported.push(error) },
    });
    const stream = await engine.start({ meta });
    stream.emit('progress', { pct: 10 });
    stream.emit('progress', { pct: 20 });
    // Append 3's refusal settles now; append 2 is still on its way for a few turns.
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
    store.release();
    await stream.end();
    assert.ok(reported.length > 0 && reported.every((error) => error === store.failure));
    assert.ok(stream.abandoned, 'a writer that lost an append does not end the log');
    await engine.close();
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

/**
 * A memory store that stores the appends of one turn in one call, as a pipelined store does:
 * they share one promise, which settles when `settle` is called.
 */
class BatchingStore extends MemoryStreamStore {
  readonly failure = new Error('refused: fenced');
  #batch: Promise<void> | undefined;
  #settle: ((ok: boolean) => void) | undefined;
  refuse = false;
  /** Set: appends are stored at once, without a promise. */
  direct = false;
  override append(streamId: string, seq: number, frame: string): void | Promise<void> {
    if (seq === 1 || this.direct) return super.append(streamId, seq, frame);
    super.append(streamId, seq, frame);
    if (!this.#batch) {
      const { promise, resolve, reject } = Promise.withResolvers<void>();
      this.#batch = promise;
      this.#settle = (ok) => (ok ? resolve() : reject(this.failure));
    }
    return this.#batch;
  }
  settle(): void {
    const settle = this.#settle;
    this.#batch = undefined;
    this.#settle = undefined;
    settle?.(!this.refuse);
  }
}

for (const refused of [false, true]) {
  test(`frames stored in one call share its promise: the stream waits for it, and reports its ${refused ? 'refusal once' : 'success'}`, async () => {
    const store = new BatchingStore();
    store.refuse = refused;
    const reported: Error[] = [];
    const engine = createEngine<JobEvents, JobMeta>({
      events: jobEvents,
      heartbeatMs: 0,
      store,
      observer: { onError: (error) => reported.push(error) },
    });
    const stream = await engine.start({ meta });
    stream.emit('progress', { pct: 10 });
    stream.emit('progress', { pct: 20 });
    stream.emit('progress', { pct: 30 });
    let drained = false;
    const draining = stream.drained().then(() => {
      drained = true;
    });
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false, 'the batch is still on its way');
    store.settle();
    await draining;
    assert.deepEqual(reported, refused ? [store.failure] : []);
    if (!refused) {
      // A later call gets a link of its own.
      stream.emit('progress', { pct: 40 });
      let again = false;
      const next = stream.drained().then(() => {
        again = true;
      });
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(again, false);
      store.settle();
      await next;
    }
    assert.equal(stream.abandoned, false);
    if (refused) assert.ok(stream.signal.aborted, 'the work is told to stop');
    store.direct = true;
    await stream.end();
    if (refused) assert.ok(stream.abandoned, 'a writer that lost its appends does not end the log');
    await engine.close();
  });
}
