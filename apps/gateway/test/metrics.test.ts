/**
 * `GET /metrics`: Prometheus text with the stream engine's numbers, and a token when asked.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import { createMetrics } from '../src/metrics/metrics.ts';
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
  // At 300 tokens/s the coalescer holds text (DELTA_HOLD_MS): the finished stream reports its longest hold.
  assert.ok(value(text, 'tidewire_stream_longest_text_hold_seconds_count') >= 1);
  assert.ok(value(text, 'tidewire_upstream_first_token_seconds_count{model="demo"}') >= 1);
  assert.equal(value(text, 'tidewire_request_errors_total{type="missing_question"}'), 1);
  assert.equal(value(text, 'tidewire_sse_connections_open'), 0);
  assert.equal(value(text, 'tidewire_generations_running'), 0);
  assert.equal(value(text, 'tidewire_requests_waiting'), 0);
  assert.ok(value(text, 'tidewire_reconnects_per_stream_count') >= 1);
});

test('slow-client disconnects and stream errors by type are counted', async () => {
  const g = await startTestGateway({ SSE_MAX_UNSENT_BYTES: '1024', STREAM_MAX_LOG_BYTES: '209715200' });
  try {
    const { engine } = g.services;
    const stream = await engine.start({ meta: { model: 'demo', conversationId: null, userId: null } });
    const socket = connect(Number(new URL(g.url).port), '127.0.0.1');
    socket.write(`GET /api/v1/streams/${stream.id} HTTP/1.1\r\nHost: x\r\n\r\n`);
    socket.pause(); // never reads: the kernel buffers fill, then the gateway's
    const closed = once(socket, 'close');
    const scrape = async () => (await fetch(`${g.url}/metrics`)).text();
    const note = 'n'.repeat(1000);
    const until = Date.now() + 20_000;
    const slow = async () => value(await scrape(), 'tidewire_slow_client_disconnects_total');
    for (let i = 0; i < 2000 && Date.now() < until && (await slow()) === 0; i++) {
      for (let j = 0; j < 500; j++) stream.emit('progress', { id: 'p', pct: 0, note });
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(value(await scrape(), 'tidewire_slow_client_disconnects_total'), 1);
    socket.resume();
    await closed;
    await stream.fail('upstream_error', 'the model failed');
    assert.equal(value(await scrape(), 'tidewire_stream_errors_total{type="upstream_error"}'), 1);
  } finally {
    await g.shutdown();
  }
});

test('with auth on and no METRICS_TOKEN, /metrics needs a bearer token', async () => {
  const locked = await startTestGateway({ AUTH_TOKENS: 'ops:ops-token-123' });
  try {
    assert.equal((await fetch(`${locked.url}/metrics`)).status, 401);
    const ok = await fetch(`${locked.url}/metrics`, { headers: { authorization: 'Bearer ops-token-123' } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /tidewire_sse_connections_open/);
  } finally {
    await locked.shutdown();
  }
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

test('hot-path counters keep their totals across scrapes; gauges follow opens and closes', async () => {
  const { observer, registry } = createMetrics();
  const info = { streamId: 's1', createdAt: Date.now(), meta: null };
  observer.onFramesSent!(3, 100);
  observer.onFramesSent!(3, 100);
  observer.onConnectionOpen!(info, false);
  observer.onConnectionOpen!(info, true);
  observer.onConnectionClose!(info);
  let text = await registry.metrics();
  assert.equal(value(text, 'tidewire_events_sent_total'), 6);
  assert.equal(value(text, 'tidewire_bytes_sent_total'), 200);
  assert.equal(value(text, 'tidewire_sse_connections_total{kind="new"}'), 1);
  assert.equal(value(text, 'tidewire_sse_connections_total{kind="resume"}'), 1);
  assert.equal(value(text, 'tidewire_sse_connections_open'), 1);
  observer.onFramesSent!(1, 10);
  text = await registry.metrics();
  assert.equal(value(text, 'tidewire_events_sent_total'), 7, 'a scrape does not reset a counter');
  assert.equal(value(text, 'tidewire_bytes_sent_total'), 210);
});
