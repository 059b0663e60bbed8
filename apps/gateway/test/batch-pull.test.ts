/**
 * A model's batches pulled by callback (`batch-pull.ts`): a generation takes every batch a
 * model gives at once in one loop (thousands in a row do not nest calls), ends the stream when
 * the model ends, fails it when the model fails, and stops the model when the stream ended
 * under it; a model written as an async iterable is pulled through its iterator, and a pulled
 * one can still be iterated with `for await`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStreamStore } from '@tidewire/server';
import { createChatEngine } from '../src/chat-engine.ts';
import { runGeneration } from '../src/generation.ts';
import { type BatchPull, type BatchReceiver, nextOf, pullOf, returnOf } from '../src/models/batch-pull.ts';
import { type ModelBatch, type ModelProvider, UpstreamError } from '../src/models/provider.ts';

/** Gives `count` one-token batches, each at once when pulled, then `last` (the end, or a failure). */
class AtOnce implements BatchPull, AsyncIterable<ModelBatch> {
  given = 0;
  stopped = false;
  readonly #count: number;
  readonly #last: (receiver: BatchReceiver) => void;

  constructor(count: number, last: (receiver: BatchReceiver) => void) {
    this.#count = count;
    this.#last = last;
  }

  pull(receiver: BatchReceiver): void {
    if (this.given === this.#count) this.#last(receiver);
    else receiver.batch([{ type: 'text', text: `${this.given++ % 10}` }]);
  }

  stop(): undefined {
    this.stopped = true;
    return undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<ModelBatch> {
    return { next: () => nextOf(this), return: () => returnOf(this) };
  }
}

function modelOf(source: AsyncIterable<ModelBatch>): ModelProvider {
  return {
    name: 'at-once',
    canContinue: false,
    stream: () => {
      throw new Error('the generation reads batches');
    },
    batches: () => source,
  };
}

/** Runs a generation on `source`; the stream's text pieces and the events its log ends with. */
async function generate(source: AsyncIterable<ModelBatch>) {
  const store = new MemoryStreamStore();
  const engine = createChatEngine({ store, maxLogBytes: 64 * 1024 * 1024 });
  const stream = await engine.start({ meta: { model: 'at-once', conversationId: null, userId: null } });
  await runGeneration({
    stream,
    model: modelOf(source),
    messages: [],
    conversationId: null,
    firstTokenTimeoutMs: 10_000,
  });
  const log = await store.read(stream.id);
  const last = log!.frames.slice(-2).map((frame) => /^event: (\w+)$/m.exec(frame)![1]);
  const pieces = stream.textPieces;
  await engine.close();
  return { pieces, last };
}

test('twenty thousand batches given at once are all sent, in one loop, and the stream ends', async () => {
  const source = new AtOnce(20_000, (receiver) => receiver.end());
  const { pieces, last } = await generate(source);
  assert.equal(source.given, 20_000);
  assert.equal(pieces, 20_000);
  assert.deepEqual(last, ['metadata', 'done']);
});

test('a model that fails after its batches fails the stream', async () => {
  const source = new AtOnce(3, (receiver) => receiver.fail(new UpstreamError('upstream_error', 'gone')));
  const { pieces, last } = await generate(source);
  assert.equal(pieces, 3);
  assert.deepEqual(last, ['error', 'done']);
});

test('an async iterable is pulled through its iterator: its batches, then its end', async () => {
  async function* batches(): AsyncIterable<ModelBatch> {
    yield [{ type: 'text', text: 'a' }];
    yield [{ type: 'text', text: 'b' }];
  }
  const got: string[] = [];
  const source = pullOf(batches());
  await new Promise<void>((resolve, reject) => {
    const receiver: BatchReceiver = {
      batch: (batch) => {
        got.push(...batch.map((p) => (p as { text: string }).text));
        source.pull(receiver);
      },
      end: resolve,
      fail: reject,
    };
    source.pull(receiver);
  });
  assert.deepEqual(got, ['a', 'b']);
});

test('a pulled source iterated with for await gives its batches; breaking out stops it', async () => {
  const source = new AtOnce(5, (receiver) => receiver.end());
  const got: number[] = [];
  for await (const batch of source) {
    got.push(batch.length);
    if (got.length === 2) break;
  }
  assert.deepEqual(got, [1, 1]);
  assert.equal(source.stopped, true);
});
