/**
 * SIGTERM: the server stops accepting, lets running generations finish into the log within
 * the grace bound, ends open streams, and exits 0 well within 10 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnGateway } from '../../../testing/gateway.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';
import { demoAnswer } from '../src/models/demo-answer.ts';

test('SIGTERM mid-answer: the open stream still gets its whole answer, then the process exits 0', async () => {
  const gateway = await spawnGateway({ DEMO_TOKENS_PER_SEC: '150', SHUTDOWN_GRACE_MS: '8000' });
  const q = 'graceful please';
  let signalled = false;
  const began = Date.now();
  const reading = collectSSE(`${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`, {
    until: (e) => {
      if (e.event === 'delta' && !signalled) {
        signalled = true;
        gateway.child.kill('SIGTERM');
      }
      return false;
    },
  });
  const { events, ended } = await reading;
  assert.ok(ended);
  assert.equal(answerOf(events), demoAnswer(q));
  assert.equal(events.at(-1)?.event, 'done');
  const code = await gateway.stop();
  assert.equal(code, 0);
  assert.ok(Date.now() - began < 10_000);
  await assert.rejects(fetch(`${gateway.url}/healthz`), 'no longer accepting');
});

test('SIGTERM with a generation that outlives the grace bound: exit within the bound', async () => {
  const gateway = await spawnGateway({ DEMO_TOKENS_PER_SEC: '2', SHUTDOWN_GRACE_MS: '500' });
  const reading = collectSSE(`${gateway.url}/api/v1/stream/chat?q=slow`);
  await new Promise((r) => setTimeout(r, 200));
  const began = Date.now();
  const code = await gateway.stop();
  assert.equal(code, 0);
  assert.ok(Date.now() - began < 5_000, 'closed within the grace bound');
  const { ended } = await reading;
  assert.ok(ended, 'the open stream was ended so its client can resume elsewhere');
});
