/**
 * SIGTERM with the memory store and a generation that outlives the grace time, through the
 * real entry: the open stream gets `error {type: "server_shutdown"}` and `done` (not a bare
 * EOF), and the answer so far is in the database (incomplete) when the process has exited.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnGateway } from '../../../testing/gateway.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';

test('SIGTERM past the grace time: error server_shutdown and done, and the answer is stored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-shutdown-'));
  const env = { DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}`, SHUTDOWN_GRACE_MS: '300' };
  const gateway = await spawnGateway({ ...env, DEMO_TOKENS_PER_SEC: '20' });
  let deltas = 0;
  const reading = collectSSE(`${gateway.url}/api/v1/stream/chat?q=cut+by+shutdown`, {
    until: (e) => {
      if (e.event === 'delta' && ++deltas === 2) gateway.child.kill('SIGTERM');
      return false;
    },
  });
  const { events, ended } = await reading;
  assert.equal(await gateway.stop(), 0);
  assert.ok(ended);
  assert.deepEqual(
    events
      .slice(-2)
      .map((e) => [
        e.event,
        (e.data as { type?: string; reason?: string }).type ?? (e.data as { reason?: string }).reason,
      ]),
    [
      ['error', 'server_shutdown'],
      ['done', 'error'],
    ],
  );
  const conversationId = events.find((e) => e.event === 'conversation')!.data.id;
  const again = await spawnGateway(env);
  const stored = (await (await fetch(`${again.url}/api/v1/conversations/${conversationId}`)).json()) as {
    messages: { role: string; content: string; complete: boolean }[];
  };
  await again.stop();
  rmSync(dir, { recursive: true, force: true });
  const answer = stored.messages.at(-1)!;
  assert.equal(answer.role, 'assistant');
  assert.equal(answer.complete, false);
  assert.ok(answer.content.length > 0, 'the answer so far was stored');
  assert.equal(answer.content, answerOf(events), 'stored exactly what was sent');
});
