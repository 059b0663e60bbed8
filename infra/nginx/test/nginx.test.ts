/**
 * The gateway behind a real nginx with infra/nginx (sse.conf, tidewire.conf): events are not
 * buffered (the first delta arrives through nginx as soon as direct, and the deltas arrive
 * spread out as they are made, not in one lump), pings pass, a resume with Last-Event-ID passes,
 * plain HTTP redirects to HTTPS; and a control config with buffering on and the gateway's
 * X-Accel-Buffering ignored does buffer, so the check is shown to be able to fail.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { demoAnswer } from '../../../apps/gateway/src/models/demo-answer.ts';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { startTestGateway } from '../../../testing/gateway.ts';
import { startNginx, type TestNginx } from '../../../testing/nginx.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';

/** The demo model's pace: slow enough that one token's time dwarfs scheduling noise. */
const TOKENS_PER_SEC = 20;
const TOKEN_MS = 1000 / TOKENS_PER_SEC;
/** Deltas read from each stream before it is cancelled (the whole answer takes ~14 s). */
const DELTAS = 8;
/**
 * How much later than direct the first delta may arrive through the proxy: three tokens' time.
 * A proxy that buffers holds it for the whole answer (~14 s, the control below); on a loaded
 * two-core CI machine, scheduling alone once made it 55 ms (one token is 50).
 */
const MAX_LAG_MS = 3 * TOKEN_MS;

let gateway: Gateway;
let nginx: TestNginx;
let buffering: TestNginx;
before(async () => {
  gateway = await startTestGateway({
    DEMO_TOKENS_PER_SEC: String(TOKENS_PER_SEC),
    SSE_HEARTBEAT_MS: '200',
  });
  nginx = await startNginx(gateway.url);
  buffering = await startNginx(gateway.url, {
    // nginx's defaults for a proxied location (buffering on, HTTP/1.0 to the upstream) with the
    // gateway's X-Accel-Buffering: no ignored, and buffers large enough for a whole answer, so
    // it is delivered in one lump. (Buffering on alone is not enough to break streaming: over
    // HTTP/1.1 the upstream's chunked body reaches the client chunk by chunk anyway.)
    sseEdits: [
      [
        'proxy_buffering off;',
        'proxy_buffering on; proxy_ignore_headers X-Accel-Buffering; proxy_hide_header X-Accel-Buffering;' +
          ' proxy_buffer_size 64k; proxy_buffers 8 64k; proxy_busy_buffers_size 128k;',
      ],
      ['proxy_http_version 1.1;', 'proxy_http_version 1.0;'],
    ],
  });
});
after(async () => {
  // Each only if its start got that far: a failed start must not leave the others running.
  await nginx?.close();
  await buffering?.close();
  await gateway?.shutdown();
});

const path = (q: string) => `/api/v1/stream/chat?q=${encodeURIComponent(q)}`;

/** Stops a generation the test no longer reads (whether it still runs or not). */
async function cancel(streamId: string | undefined): Promise<void> {
  if (!streamId) return;
  const res = await fetch(`${gateway.url}/api/v1/streams/${streamId}/cancel`, { method: 'POST' });
  await res.body?.cancel();
}

/** When each of a new stream's first deltas reaches the client (ms after the request). */
async function deltaArrivals(base: string, q: string): Promise<number[]> {
  const began = performance.now();
  const arrivals: number[] = [];
  const { events } = await collectSSE(`${base}${path(q)}`, {
    until: (e) => {
      if (e.event === 'delta' && arrivals.length < DELTAS) arrivals.push(performance.now() - began);
      return arrivals.length === DELTAS;
    },
  });
  await cancel(events[0]?.streamId);
  assert.equal(arrivals.length, DELTAS, 'the stream had enough deltas');
  return arrivals;
}

/**
 * Streamed through the proxy as direct: the first delta arrives within a few tokens' time of
 * direct (`MAX_LAG_MS`), and the deltas arrive spread out over the time they took to make.
 * `direct` and `proxied` are two streams of the same question, read at the same time.
 */
function assertStreamedLikeDirect(direct: number[], proxied: number[]): void {
  const lag = proxied[0]! - direct[0]!;
  assert.ok(
    lag < MAX_LAG_MS,
    `first delta ${lag.toFixed(1)} ms later through the proxy (a token takes ${TOKEN_MS} ms)`,
  );
  const spread = (arrivals: number[]) => arrivals.at(-1)! - arrivals[0]!;
  assert.ok(
    spread(proxied) > spread(direct) / 2,
    `${DELTAS} deltas arrived over ${spread(proxied).toFixed(0)} ms through the proxy, ${spread(direct).toFixed(0)} ms direct`,
  );
}

/** Direct and proxied arrivals of one question, read at the same time. */
function sideBySide(proxy: TestNginx, q: string): Promise<[number[], number[]]> {
  return Promise.all([deltaArrivals(gateway.url, q), deltaArrivals(proxy.http, q)]);
}

describe('through nginx with infra/nginx/sse.conf', () => {
  test('the first delta arrives as soon as direct, and the deltas are not buffered', async () => {
    const [direct, proxied] = await sideBySide(nginx, 'unbuffered');
    console.log(
      `first delta: direct ${direct[0]!.toFixed(1)} ms, through nginx ${proxied[0]!.toFixed(1)} ms`,
    );
    assertStreamedLikeDirect(direct, proxied);
  });

  test('control: buffering on (nginx defaults) and X-Accel-Buffering ignored fail the same check', async () => {
    const [direct, proxied] = await sideBySide(buffering, 'buffered');
    console.log(
      `buffered: first delta direct ${direct[0]!.toFixed(0)} ms, through nginx ${proxied[0]!.toFixed(0)} ms`,
    );
    assert.throws(() => assertStreamedLikeDirect(direct, proxied), /through the proxy/);
    // Not merely late: the whole answer came at once, when the stream ended.
    assert.ok(proxied.at(-1)! - proxied[0]! < TOKEN_MS, 'the buffered deltas arrived in one lump');
  });

  test('pings pass through', async () => {
    const { events } = await collectSSE(`${nginx.http}${path('pings')}`, {
      keepPings: true,
      until: (_, all) => all.filter((e) => e.event === 'ping').length >= 2,
    });
    await cancel(events[0]?.streamId);
    assert.ok(events.filter((e) => e.event === 'ping').length >= 2);
  });

  test('a resume with Last-Event-ID passes through and continues exactly', async () => {
    const q = 'resume through nginx';
    const first = await collectSSE(`${nginx.http}${path(q)}`, { until: (_, all) => all.length >= 6 });
    const last = first.events.at(-1)!;
    const rest = await collectSSE(`${nginx.http}/api/v1/stream/chat`, {
      headers: { 'last-event-id': `${last.streamId}:${last.seq}` },
      until: (_, all) => all.filter((e) => e.event === 'delta').length >= DELTAS,
    });
    await cancel(last.streamId);
    assert.equal(rest.status, 200);
    assert.deepEqual(
      rest.events.map((e) => e.seq),
      rest.events.map((_, i) => last.seq! + 1 + i),
      'the events after the resume point, none missed or repeated',
    );
    const resumed = answerOf([...first.events, ...rest.events]);
    assert.ok(resumed.length > answerOf(first.events).length);
    assert.ok(demoAnswer(q).startsWith(resumed), 'the answer continues where it stopped');
  });

  test('upstream connections are kept alive (the HTTP/1.0 control opens one per request)', async () => {
    const requests = 10;
    const opened = async (proxy: TestNginx) => {
      let connections = 0;
      const count = () => connections++;
      gateway.server.on('connection', count);
      try {
        for (let i = 0; i < requests; i++) {
          const res = await fetch(`${proxy.http}/api/v1/streams/01a20000-0000-7000-8000-00000000000${i}`);
          assert.equal(res.status, 404);
          assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'stream_not_found');
        }
      } finally {
        gateway.server.off('connection', count);
      }
      return connections;
    };
    assert.ok((await opened(nginx)) <= 1, 'one upstream connection, reused');
    // (Its first request may reuse a connection pooled by an earlier ordinary request.)
    assert.ok((await opened(buffering)) >= requests - 1, 'a new upstream connection per request');
  });

  test('plain HTTP redirects to HTTPS', async () => {
    const res = await fetch(`${nginx.redirect}${path('redirect')}`, { redirect: 'manual' });
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), `https://127.0.0.1${path('redirect')}`);
  });
});
