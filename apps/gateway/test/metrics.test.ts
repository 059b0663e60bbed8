/**
 * `GET /metrics`: Prometheus text with the stream engine's numbers, and a token when asked.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import type { Gateway } from '../src/server.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '300', SSE_HEARTBEAT_MS: '30' });
});
after(() => gateway.shutdown());

function value(text: string, metric: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${metric} `) || l.startsWith(`${metric}{`));
  assert.ok(line, `metric ${metric} is exported`);
  return Number(line.split(' ').at(-1));
}

test('streams, resumes, pings and errors show up in /metrics', async () => {
  const first = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=metrics`, {
    until: (_, all) => all.length >= 4,
  });
  const id = first.events[0]!.streamId!;
  await collectSSE(`${gateway.url}/api/v1/streams/${id}?after=4`);
  await fetch(`${gateway.url}/api/v1/stream/chat`);
  const res = await fetch(`${gateway.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await res.text();
  assert.ok(value(text, 'tidewire_events_sent_total') > 10);
  assert.ok(value(text, 'tidewire_bytes_sent_total') > 1000);
  assert.ok(value(text, 'tidewire_heartbeats_sent_total') >= 1);
  assert.equal(value(text, 'tidewire_sse_connections_total{kind="resume"}'), 1);
  assert.ok(value(text, 'tidewire_stream_duration_seconds_count') >= 1);
  assert.ok(value(text, 'tidewire_time_to_first_delta_seconds_count') >= 1);
  assert.ok(value(text, 'tidewire_upstream_first_token_seconds_count{model="demo"}') >= 1);
  assert.equal(value(text, 'tidewire_request_errors_total{type="missing_question"}'), 1);
  assert.equal(value(text, 'tidewire_sse_connections_open'), 0);
  assert.equal(value(text, 'tidewire_generations_running'), 0);
  assert.ok(value(text, 'tidewire_reconnects_per_stream_count') >= 1);
});

test('with METRICS_TOKEN, /metrics needs it', async () => {
  const locked = await startTestGateway({ METRICS_TOKEN: 'scrape-me' });
  try {
    assert.equal((await fetch(`${locked.url}/metrics`)).status, 401);
    assert.equal(
      (await fetch(`${locked.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status,
      401,
    );
    assert.equal(
      (await fetch(`${locked.url}/metrics`, { headers: { authorization: 'Bearer scrape-me' } })).status,
      200,
    );
  } finally {
    await locked.shutdown();
  }
});
