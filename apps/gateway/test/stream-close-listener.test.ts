/**
 * A stream sent down the direct Node path keeps one `close` listener on its response, the
 * sink's: Hono's (which would hold the Request wrapper for the connection's life) is dropped
 * when the request has no body left to drain. The client leaving still reaches the sink: its
 * connection is counted out (the per-IP bound lets the next one in).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import type { Gateway } from '../src/server.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway({ MAX_CONNECTIONS_PER_IP: '1', DEMO_TOKENS_PER_SEC: '1' });
});
after(() => gateway.shutdown());

/** Opens `path` (`init`), reads its first bytes, and returns the server's response with the client's. */
async function openStream(path: string, init: RequestInit = {}) {
  const served = once(gateway.server, 'request') as Promise<[IncomingMessage, ServerResponse]>;
  const controller = new AbortController();
  const response = await fetch(`${gateway.url}${path}`, { ...init, signal: controller.signal });
  const reader = response.body!.getReader();
  await reader.read();
  const [, res] = await served;
  return { res, response, leave: () => controller.abort() };
}

test('a GET stream keeps only the sink’s close listener; leaving frees the connection', async () => {
  const { res, leave } = await openStream('/api/v1/stream/chat?q=one+listener');
  const closeListeners = res.listenerCount('close');
  leave();
  await once(res, 'close');
  assert.equal(closeListeners, 1);
  // The one connection this IP may hold was given back: the next stream opens.
  const next = await openStream('/api/v1/stream/chat?q=next');
  assert.equal(next.response.status, 200);
  next.leave();
  await once(next.res, 'close');
});

test('a POST stream whose body was read keeps only the sink’s close listener', async () => {
  const { res, leave } = await openStream('/api/v1/stream/chat', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ q: 'posted' }),
  });
  const closeListeners = res.listenerCount('close');
  leave();
  await once(res, 'close');
  assert.equal(closeListeners, 1);
});
