/**
 * Events as AI SDK UI message chunks: reasoning pieces make one reasoning run, and the end of
 * the reasoning (`reasoning {text: "", thought_ms}`) closes it without an empty piece.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StreamEvent } from '@tidewire/protocol';
import { UIChunkMapper } from '../src/ai-sdk/index.ts';

test('the end of the reasoning closes its run; the text opens the next', () => {
  const mapper = new UIChunkMapper();
  const events: StreamEvent[] = [
    { event: 'reasoning', data: { text: 'Let me ' } },
    { event: 'reasoning', data: { text: 'think.' } },
    { event: 'reasoning', data: { text: '', thought_ms: 1200 } },
    { event: 'delta', data: { text: 'Hello' } },
  ];
  assert.deepEqual(
    events.flatMap((e) => mapper.map(e)),
    [
      { type: 'reasoning-start', id: 'reasoning-1' },
      { type: 'reasoning-delta', id: 'reasoning-1', delta: 'Let me ' },
      { type: 'reasoning-delta', id: 'reasoning-1', delta: 'think.' },
      { type: 'reasoning-end', id: 'reasoning-1' },
      { type: 'text-start', id: 'text-2' },
      { type: 'text-delta', id: 'text-2', delta: 'Hello' },
    ],
  );
});
