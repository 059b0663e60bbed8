/**
 * `Connection: close` from a client is honoured (RFC 9112 §9.6): the answer says
 * `Connection: close` and the server closes the connection once the response is complete,
 * for event streams as for everything else; an HTTP/1.0 client without keep-alive gets the
 * same. Clients that keep connections alive still get `keep-alive`. The server's keep-alive
 * timeout is made long here, so a connection held open would hold the test until it times out.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import type { Gateway } from '../src/server.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway();
  gateway.server.keepAliveTimeout = 10 * 60_000;
});
after(() => gateway.shutdown());

interface RawResponse {
  head: string;
  body: string;
}

/** Sends `request` on a new socket and reads until the server closes it. */
async function untilServerCloses(request: string): Promise<RawResponse> {
  const { hostname, port } = new URL(gateway.url);
  const socket = connect(Number(port), hostname);
  let raw = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    raw += d;
  });
  socket.write(request);
  await once(socket, 'end');
  socket.destroy();
  const split = raw.indexOf('\r\n\r\n');
  return { head: raw.slice(0, split), body: raw.slice(split + 4) };
}

const get = (path: string, version = '1.1', extra = 'Connection: close\r\n') =>
  `GET ${path} HTTP/${version}\r\nHost: 127.0.0.1\r\n${extra}\r\n`;

function assertClosed(response: RawResponse): void {
  assert.match(response.head, /^HTTP\/1\.1 200 /);
  assert.match(response.head, /\r\nConnection: close(\r\n|$)/i);
  assert.doesNotMatch(response.head, /keep-alive/i);
}

test('a new stream asked with Connection: close is answered with close, whole, and the socket closed', async () => {
  const response = await untilServerCloses(get('/api/v1/stream/chat?q=close+after'));
  assertClosed(response);
  assert.match(response.head, /text\/event-stream/);
  assert.match(response.body, /event: done/);
});

test('a resume asked with Connection: close is answered with close, whole, and the socket closed', async () => {
  const { events } = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=resume+then+close`);
  const response = await untilServerCloses(get(`/api/v1/streams/${events[0]!.streamId}?after=0`));
  assertClosed(response);
  assert.match(response.body, /event: done/);
});

test('an HTTP/1.0 client without keep-alive gets close on a stream too', async () => {
  const response = await untilServerCloses(get('/api/v1/stream/chat?q=old+client', '1.0', ''));
  assertClosed(response);
  assert.match(response.body, /event: done/);
});

test('a JSON route asked with Connection: close is answered with close', async () => {
  const response = await untilServerCloses(get('/healthz'));
  assertClosed(response);
});

test('a client that keeps connections alive still gets keep-alive on a stream', async () => {
  const res = await fetch(`${gateway.url}/api/v1/stream/chat?q=keep+alive`);
  assert.equal(res.headers.get('connection'), 'keep-alive');
  assert.match(await res.text(), /event: done/);
});
