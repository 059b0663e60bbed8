/**
 * What a user sees first goes out at once: when a model hands over many parts in one batch
 * (the demo unpaced, a provider's burst), the generation feeds the first token, and then the
 * answer's first text, each in an event-loop turn of its own, so the sink writes it before
 * the rest of the batch is made; when the text begins within a few parts of the first token,
 * they go together in the first turn. The rest follows in the next turn; nothing is lost or
 * reordered.
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

/** Runs a one-batch answer; the text pieces fed by the end of each of the first three turns. */
async function piecesByTurn(parts: ModelPart[]): Promise<number[]> {
  const engine = createChatEngine({ store: new MemoryStreamStore() });
  const stream = await engine.start({ meta: { model: 'one-batch', conversationId: null, userId: null } });
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
    model: oneBatchModel(parts),
    messages: [],
    conversationId: null,
    firstTokenTimeoutMs: 10_000,
  });
  await Promise.all([generation, watched]);
  assert.equal(stream.ended, true);
  await engine.close();
  return fed;
}

const reasoning = (n: number): ModelPart[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'reasoning', text: ` step ${i}` }));
const text: ModelPart[] = [
  { type: 'text', text: 'Hello' },
  { type: 'text', text: ' world' },
  { type: 'text', text: '.' },
  { type: 'finish', reason: 'stop' },
];

test('text that begins a few parts after the first token goes out with it, in the first turn; the rest follows', async () => {
  assert.deepEqual(await piecesByTurn([...reasoning(2), ...text]), [3, 5, 5]);
});

test('text that begins long after the first token: the first token, then up to the first text, then the rest', async () => {
  assert.deepEqual(await piecesByTurn([...reasoning(20), ...text]), [1, 21, 23]);
});

test('an answer that begins with text: its first token goes out alone, the rest follows', async () => {
  assert.deepEqual(await piecesByTurn(text), [1, 3, 3]);
});
