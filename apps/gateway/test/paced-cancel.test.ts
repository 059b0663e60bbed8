/**
 * A paced answer waiting for its next token stops at once when its stream is cancelled: the
 * generation stops the model itself (the demo keeps no abort listener of its own under it),
 * stores the answer as it was, and is no longer counted as running. The pace here is one token
 * in a hundred seconds, so an answer that waited for its next token would fail the test.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import type { Gateway } from '../src/server.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '0.01' });
});
after(() => gateway.shutdown());

test('cancelling a paced answer ends its generation at once', { timeout: 20_000 }, async () => {
  const first = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=wait+for+me`, {
    until: (e) => e.event === 'reasoning',
  });
  const streamId = first.events[0]!.streamId!;
  assert.equal(gateway.services.generations.size, 1, 'the generation waits for its next token');
  const cancel = await fetch(`${gateway.url}/api/v1/streams/${streamId}/cancel`, { method: 'POST' });
  assert.equal(cancel.status, 200);
  await gateway.services.generations.settle(5_000);
  assert.equal(gateway.services.generations.size, 0, 'the generation ended without its next token');
  const { events } = await collectSSE(`${gateway.url}/api/v1/streams/${streamId}`);
  assert.deepEqual(events.at(-1)?.data, { reason: 'cancelled', tokens: 1 });
});
