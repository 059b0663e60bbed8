/**
 * The WebSocket route behind a real nginx with infra/nginx/tidewire.conf: a stream read over
 * `/api/v1/ws`, cut mid-answer and followed again from its last event on a new socket, is
 * exactly (events, ids, data) the same stream read as SSE through nginx; pings pass; the
 * Origin check of cookie-authenticated sockets works through the proxy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SESSION_COOKIE } from '../../../apps/gateway/src/auth/auth.ts';
import { demoAnswer } from '../../../apps/gateway/src/models/demo-answer.ts';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { startTestGateway } from '../../../testing/gateway.ts';
import { startNginx, type TestNginx } from '../../../testing/nginx.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';
import { endedOf, openTestSocket, sseFramesOf, transcriptOf, wsUrlOf } from '../../../testing/ws-client.ts';

const TOKEN = { authorization: 'Bearer nginx-ws-token' };
let gateway: Gateway;
let nginx: TestNginx;
let cookie = '';
before(async () => {
  gateway = await startTestGateway({
    DEMO_TOKENS_PER_SEC: '150',
    SSE_HEARTBEAT_MS: '500',
    TRUST_PROXY: 'true',
    AUTH_TOKENS: 'dana:nginx-ws-token',
  });
  await gateway.services.auth.users.add('erin', 'correct horse battery');
  cookie = `${SESSION_COOKIE}=${await gateway.services.auth.users.startSession('erin')}`;
  nginx = await startNginx(gateway.url);
});
after(async () => {
  await nginx?.close();
  await gateway?.shutdown();
});

describe('the WebSocket route through nginx', () => {
  test('cut mid-answer and followed again: the same events and ids as the SSE transcript', async () => {
    const q = 'a websocket through nginx';
    const first = await openTestSocket(wsUrlOf(nginx.http), TOKEN);
    // Protocol pings (every SSE_HEARTBEAT_MS) pass through nginx while the answer streams.
    const pinged = new Promise<void>((resolve, reject) => {
      first.socket.once('ping', () => resolve());
      setTimeout(() => reject(new Error('no protocol ping came through nginx within 5 s')), 5000).unref();
    });
    first.send({ type: 'start', ref: 'n', q });
    const started = (await first.next((m) => 'type' in m && m.type === 'started')) as { stream_id: string };
    const streamId = started.stream_id;
    // Cut once ten deltas are in: the generation goes on without a reader.
    await first.next(() => first.messages.filter((m) => 'event' in m && m.event === 'delta').length >= 10);
    await pinged;
    first.socket.terminate();
    await first.closed;
    const before = transcriptOf(first.messages, streamId);
    const lastSeq = before.length;
    assert.ok(!first.messages.some((m) => 'event' in m && m.event === 'done'), 'cut before the end');

    const second = await openTestSocket(wsUrlOf(nginx.http), TOKEN);
    second.send({ type: 'follow', stream_id: streamId, after: lastSeq });
    await second.next(endedOf(streamId));
    const resumed = [...before, ...transcriptOf(second.messages, streamId)];
    second.socket.close();

    const sse = await collectSSE(`${nginx.http}/api/v1/streams/${streamId}`, { headers: TOKEN });
    assert.deepEqual(resumed, sseFramesOf(sse.raw));
    assert.equal(answerOf(sse.events), demoAnswer(q));
  });

  test("a cookie socket from the site's own origin is accepted through nginx; from another, refused", async () => {
    const own = await openTestSocket(wsUrlOf(nginx.http), { cookie, origin: nginx.http });
    own.send({ type: 'start', ref: 'c', q: 'cookie through nginx' });
    const { stream_id: streamId } = (await own.next((m) => 'type' in m && m.type === 'started')) as {
      stream_id: string;
    };
    await own.next(endedOf(streamId));
    own.socket.close();
    await assert.rejects(
      openTestSocket(wsUrlOf(nginx.http), { cookie, origin: 'https://evil.example' }),
      (error: { status: number }) => error.status === 403,
    );
  });
});
