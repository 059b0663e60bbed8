import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';
import { startTestGateway } from '../../../testing/gateway.ts';
import type { Gateway } from '../src/server.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway();
});
after(() => gateway.shutdown());

test('GET /healthz answers ok', async () => {
  const res = await fetch(`${gateway.url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'ok' });
});

test('a chat stream ends with done and a non-empty answer', async () => {
  const { events } = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=Hello`);
  assert.equal(events[0]?.event, 'hello');
  assert.equal(events.at(-1)?.event, 'done');
  assert.ok(answerOf(events).includes('العربية'));
});
