/**
 * The gateway behind a real nginx with infra/nginx (sse.conf, tidewire.conf): events are not
 * buffered (the first delta arrives as fast as direct), pings pass, a resume with
 * Last-Event-ID passes; and a control config with buffering on and the gateway's
 * X-Accel-Buffering ignored (and gzip on, as for ordinary pages) does buffer, so the check is
 * shown to be able to fail.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { demoAnswer } from '../../../apps/gateway/src/models/demo-answer.ts';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { startTestGateway } from '../../../testing/gateway.ts';
import { startNginx, type TestNginx } from '../../../testing/nginx.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';

interface Timeline {
  firstDeltaMs: number;
  doneMs: number;
}

/** When the first delta and the end of one stream reach the client. */
async function timeline(url: string): Promise<Timeline> {
  const began = performance.now();
  let firstDeltaMs = 0;
  const { events } = await collectSSE(url, {
    until: (e) => {
      if (e.event === 'delta' && !firstDeltaMs) firstDeltaMs = performance.now() - began;
      return false;
    },
  });
  assert.equal(events.at(-1)?.event, 'done');
  return { firstDeltaMs, doneMs: performance.now() - began };
}

/** Streaming, not buffering: the first delta arrives long before the end. */
function assertUnbuffered(t: Timeline): void {
  assert.ok(
    t.firstDeltaMs < t.doneMs * 0.25,
    `first delta at ${t.firstDeltaMs.toFixed(1)} ms of ${t.doneMs.toFixed(1)} ms`,
  );
}

let gateway: Gateway;
let nginx: TestNginx;
let buffering: TestNginx;
before(async () => {
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '300', SSE_HEARTBEAT_MS: '100' });
  nginx = await startNginx(gateway.url);
  buffering = await startNginx(gateway.url, {
    // A common misconfiguration: buffering on, the gateway's X-Accel-Buffering ignored, and
    // gzip applied to event streams as to ordinary pages.
    sseEdit: (conf) =>
      conf
        .replace('proxy_buffering off;', 'proxy_buffering on; proxy_ignore_headers X-Accel-Buffering;')
        .replace('gzip off;', 'gzip on; gzip_types text/event-stream; gzip_min_length 0;'),
  });
});
after(async () => {
  await nginx.close();
  await buffering.close();
  await gateway.shutdown();
});

const path = (q: string) => `/api/v1/stream/chat?q=${encodeURIComponent(q)}`;

describe('through nginx with infra/nginx/sse.conf', () => {
  test('the first delta arrives within a few ms of direct, and the stream is not buffered', async () => {
    const direct: number[] = [];
    const proxied: number[] = [];
    for (let i = 0; i < 3; i++) {
      direct.push((await timeline(`${gateway.url}${path(`direct ${i}`)}`)).firstDeltaMs);
      const t = await timeline(`${nginx.http}${path(`proxied ${i}`)}`);
      assertUnbuffered(t);
      proxied.push(t.firstDeltaMs);
    }
    const added = Math.min(...proxied) - Math.min(...direct);
    console.log(
      `first delta: direct ${Math.min(...direct).toFixed(2)} ms, through nginx ${Math.min(...proxied).toFixed(2)} ms`,
    );
    assert.ok(added < 25, `nginx added ${added.toFixed(2)} ms`);
  });

  test('pings pass through', async () => {
    const { events } = await collectSSE(`${nginx.http}${path('pings')}`, {
      keepPings: true,
      until: (_, all) => all.filter((e) => e.event === 'ping').length >= 2,
    });
    assert.ok(events.filter((e) => e.event === 'ping').length >= 2);
  });

  test('a resume with Last-Event-ID passes through and continues exactly', async () => {
    const q = 'resume through nginx';
    const first = await collectSSE(`${nginx.http}${path(q)}`, { until: (_, all) => all.length >= 6 });
    const last = first.events.at(-1)!;
    const rest = await collectSSE(`${nginx.http}/api/v1/stream/chat`, {
      headers: { 'last-event-id': `${last.streamId}:${last.seq}` },
    });
    assert.equal(rest.events[0]?.seq, last.seq! + 1);
    assert.equal(answerOf([...first.events, ...rest.events]), demoAnswer(q));
  });

  test('control: buffering on and X-Accel-Buffering ignored makes the same check fail', async () => {
    const t = await timeline(`${buffering.http}${path('buffered')}`);
    assert.throws(() => assertUnbuffered(t), /first delta at/);
  });
});
