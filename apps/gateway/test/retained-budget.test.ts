/**
 * The gateway bounds the memory its finished streams keep (`STREAM_MAX_RETAINED_BYTES`):
 * past it the oldest finished stream is freed first (its resume is a 404 like an expired
 * one) and `tidewire_streams_evicted_total` counts it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import { collectSSE } from '../../../testing/sse-client.ts';

test('past STREAM_MAX_RETAINED_BYTES the oldest finished streams are freed and counted', async () => {
  const g = await startTestGateway({ STREAM_MAX_RETAINED_BYTES: String(20 * 1024) });
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const got = await collectSSE(`${g.url}/api/v1/stream/chat?q=budget+${i}`);
    ids.push(got.events[0]!.streamId!);
  }
  const metrics = await (await fetch(`${g.url}/metrics`)).text();
  const evicted = Number(/^tidewire_streams_evicted_total (\d+)$/m.exec(metrics)?.[1]);
  assert.ok(evicted >= 1, `evicted ${evicted}`);
  assert.equal((await fetch(`${g.url}/api/v1/streams/${ids[0]}`)).status, 404, 'the oldest went first');
  assert.equal((await collectSSE(`${g.url}/api/v1/streams/${ids[5]}`)).status, 200, 'the newest stays');
  await g.shutdown();
});
