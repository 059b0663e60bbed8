/**
 * Logs are JSON lines on stderr with a request id on every line of a request and the stream
 * id where there is one; questions, answers, tokens and passwords never appear at info level.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnGateway } from '../../../testing/gateway.ts';
import { collectSSE } from '../../../testing/sse-client.ts';

test('request and stream ids on every line; no question, answer or token in the logs', async () => {
  const gateway = await spawnGateway({
    LOG_LEVEL: 'info',
    DEMO_TOKENS_PER_SEC: '0',
    AUTH_TOKENS: 'ada:tok-SECRET-123',
  });
  const question = 'my password is hunter2-SECRET';
  const { events } = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent(question)}`, {
    headers: { authorization: 'Bearer tok-SECRET-123', 'x-request-id': 'req-abc' },
  });
  const streamId = events[0]!.streamId!;
  await collectSSE(`${gateway.url}/api/v1/streams/${streamId}?after=3`, {
    headers: { authorization: 'Bearer tok-SECRET-123' },
  });
  await new Promise((r) => setTimeout(r, 200));
  await gateway.stop();
  const lines = gateway
    .stderr()
    .split('\n')
    .filter((l) => l.trim() !== '');
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const requestLines = records.filter((r) => r.req === 'req-abc');
  assert.ok(requestLines.length >= 2, 'request line and stream line carry the request id');
  assert.ok(requestLines.some((r) => r.stream === streamId && r.msg === 'stream started'));
  assert.ok(
    records.some((r) => r.msg === 'stream resumed' && r.stream === streamId && typeof r.req === 'string'),
  );
  const all = lines.join('\n');
  for (const secret of ['hunter2', 'tok-SECRET-123', 'demo answer', 'You asked'])
    assert.ok(!all.includes(secret), `"${secret}" was logged`);
});
