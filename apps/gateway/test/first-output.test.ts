/**
 * What a user sees first goes out at once: when a model hands over many parts in one batch
 * (the demo unpaced, a provider's burst), the generation feeds the first token, and then the
 * answer's first text, each in an event-loop turn of its own, so the sink writes it before
 * the rest of the batch is made. The rest follows in the next turn; nothing is lost or reordered.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStreamStore } from '@tidewire/server';
import { createChatEngine } from '../src/chat-engine.ts';
import { runGeneration } from '../src/generation.ts';
import type { ModelBatch, ModelPart, ModelProvider } from '../src/models/provider.ts';

/** A model that hands over its whole answer in one batch. */
function oneBatchModel(parts: ModelPart[]): ModelProvider {
  return {
    name: 'one-batch',
    canContinue: false,
    async *stream() {
      yield* parts;
    },
    async *batches(): AsyncIterable<ModelBatch> {
      yield parts;
    },
  };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

test('the first token and the first text of a batch are fed in turns of their own; the rest follows', async () => {
  const engine = createChatEngine({ store: new MemoryStreamStore() });
  const stream = await engine.start({ meta: { model: 'one-batch', conversationId: null, userId: null } });
  const model = oneBatchModel([
    { type: 'reasoning', text: 'Thinking' },
    { type: 'reasoning', text: ' on' },
    { type: 'text', text: 'Hello' },
    { type: 'text', text: ' world' },
    { type: 'text', text: '.' },
    { type: 'finish', reason: 'stop' },
  ]);
  const fed: number[] = [];
  // Registered before the generation starts: each runs before the generation's next turn.
  const watched = (async () => {
    for (let turn = 0; turn < 3; turn++) {
      await nextTurn();
      fed.push(stream.textPieces);
    }
  })();
  const generation = runGeneration({
    stream,
    model,
    messages: [],
    conversationId: null,
    firstTokenTimeoutMs: 10_000,
  });
  await Promise.all([generation, watched]);
  assert.deepEqual(fed, [1, 3, 5], 'the first token, then up to the first text, then the rest');
  assert.equal(stream.ended, true);
  await engine.close();
});
