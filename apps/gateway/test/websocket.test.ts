/**
 * `GET /api/v1/ws`: the same events, ids and resume rules as SSE over one WebSocket; several
 * streams per socket; bad input answered with a typed `error` message on a socket that stays
 * open; the same auth and ownership as the SSE routes (docs/WEBSOCKET.md).
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import {
  endedOf,
  errorTypeOf,
  isType,
  openTestSocket,
  sseFramesOf,
  streamIdOf,
  type TestSocket,
  transcriptOf,
  wsUrlOf,
} from '../../../testing/ws-client.ts';
import { SESSION_COOKIE } from '../src/auth/auth.ts';
import type { Gateway } from '../src/server.ts';

const errorFor = (field: 'ref' | 'stream_id', value: string) => isType('error', (m) => m[field] === value);

describe('the WebSocket route, auth off', () => {
  let gateway: Gateway;
  let ws: TestSocket;
  before(async () => {
    gateway = await startTestGateway();
    ws = await openTestSocket(wsUrlOf(gateway.url));
  });
  after(async () => {
    ws.socket.close();
    await gateway.shutdown();
  });

  test('a start streams the same events and ids as SSE, then `ended`', async () => {
    const q = 'WebSocket transcript';
    ws.send({ type: 'start', ref: 'c1', q });
    const streamId = streamIdOf(await ws.next(isType('started', (m) => m.ref === 'c1')));
    await ws.next(endedOf(streamId));
    const sse = await collectSSE(`${gateway.url}/api/v1/streams/${streamId}`);
    assert.deepEqual(transcriptOf(ws.messages, streamId), sseFramesOf(sse.raw));
    const names = ws.messages.flatMap((m) => ('event' in m && m.stream_id === streamId ? [m.event] : []));
    assert.equal(names.at(-1), 'done');
  });

  test('`follow` with `after` resumes after that event, as Last-Event-ID does', async () => {
    ws.send({ type: 'start', ref: 'c2', q: 'follow me' });
    const streamId = streamIdOf(await ws.next(isType('started', (m) => m.ref === 'c2')));
    await ws.next(endedOf(streamId));
    const from = ws.messages.length;
    ws.send({ type: 'follow', stream_id: streamId, after: 5 });
    await ws.next(endedOf(streamId), from);
    const resumed = transcriptOf(ws.messages.slice(from), streamId);
    assert.deepEqual(resumed, transcriptOf(ws.messages.slice(0, from), streamId).slice(5));
  });

  test('several streams on one socket each arrive whole, in order', async () => {
    const from = ws.messages.length;
    ws.send({ type: 'start', ref: 'a', q: 'first of two' });
    ws.send({ type: 'start', ref: 'b', q: 'second of two' });
    const a = streamIdOf(
      await ws.next(
        isType('started', (m) => m.ref === 'a'),
        from,
      ),
    );
    const b = streamIdOf(
      await ws.next(
        isType('started', (m) => m.ref === 'b'),
        from,
      ),
    );
    assert.notEqual(a, b);
    await ws.next(endedOf(a), from);
    await ws.next(endedOf(b), from);
    for (const id of [a, b]) {
      const seqs = ws.messages
        .slice(from)
        .flatMap((m) => ('event' in m && m.stream_id === id ? [m.seq] : []));
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => i + 1),
      );
    }
  });

  test('a start naming an existing stream of the same user reads it: no second generation', async () => {
    const streamId = crypto.randomUUID();
    const from = ws.messages.length;
    ws.send({ type: 'start', ref: 'k1', q: 'once only', stream_id: streamId });
    await ws.next(endedOf(streamId), from);
    const middle = ws.messages.length;
    ws.send({ type: 'start', ref: 'k2', q: 'once only', stream_id: streamId });
    assert.equal(
      streamIdOf(
        await ws.next(
          isType('started', (m) => m.ref === 'k2'),
          middle,
        ),
      ),
      streamId,
    );
    await ws.next(endedOf(streamId), middle);
    assert.deepEqual(
      transcriptOf(ws.messages.slice(middle), streamId),
      transcriptOf(ws.messages.slice(from, middle), streamId),
    );
  });

  test('bad input gets a typed error message and the socket stays open', async () => {
    const cases: [unknown, string, string][] = [
      ['{not json', 'invalid_json', ''],
      [[1, 2], 'bad_request', ''],
      [{ type: 'dance', ref: 'x1' }, 'bad_request', 'x1'],
      [{ ref: 'x2' }, 'bad_request', 'x2'],
      [{ type: 'start', ref: 'x3' }, 'missing_question', 'x3'],
      [{ type: 'start', ref: 'x4', q: 'hi', model: 'nope' }, 'unknown_model', 'x4'],
      [{ type: 'start', ref: 'x5', q: 'hi', stream_id: 'bad id!' }, 'bad_request', 'x5'],
      [{ type: 'start', ref: 'x6', q: 7 }, 'bad_request', 'x6'],
      [{ type: 'follow' }, 'bad_request', ''],
      [{ type: 'follow', stream_id: 'ok-id', after: -1 }, 'invalid_after', 'ok-id'],
      [{ type: 'follow', stream_id: 'ok-id', after: '3' }, 'invalid_after', 'ok-id'],
      [{ type: 'follow', stream_id: 'unknown-stream' }, 'stream_not_found', 'unknown-stream'],
      [{ type: 'cancel', stream_id: 'unknown-stream2' }, 'stream_not_found', 'unknown-stream2'],
      [{ type: 'unfollow', stream_id: 'unknown-stream3' }, 'stream_not_found', 'unknown-stream3'],
    ];
    for (const [message, type, echo] of cases) {
      const from = ws.messages.length;
      ws.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
      const reply = await ws.next(isType('error'), from);
      assert.equal(errorTypeOf(reply), type, JSON.stringify(message));
      const named = reply as { ref?: string; stream_id?: string };
      if (echo) assert.equal(named.ref ?? named.stream_id, echo, JSON.stringify(message));
    }
    const from = ws.messages.length;
    ws.socket.send(Buffer.from('binary'), { binary: true });
    assert.equal(errorTypeOf(await ws.next(isType('error'), from)), 'bad_request');
    ws.send({ type: 'start', ref: 'after-bad', q: 'still here' });
    const streamId = streamIdOf(
      await ws.next(
        isType('started', (m) => m.ref === 'after-bad'),
        from,
      ),
    );
    await ws.next(endedOf(streamId), from);
  });

  test('a plain GET of the route (no upgrade) is 426 with the contract error body', async () => {
    const res = await fetch(`${gateway.url}/api/v1/ws`);
    assert.equal(res.status, 426);
    assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'bad_request');
  });
});

describe('the WebSocket route: cancel, unfollow, heartbeats', () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '50', SSE_HEARTBEAT_MS: '50' });
  });
  after(() => gateway.shutdown());

  test('cancel answers `cancelled` and the stream ends with done {reason: cancelled}', async () => {
    const ws = await openTestSocket(wsUrlOf(gateway.url));
    ws.send({ type: 'start', ref: 'c', q: 'cancel me' });
    const streamId = streamIdOf(await ws.next(isType('started')));
    await ws.next((m) => 'event' in m && m.event === 'delta');
    ws.send({ type: 'cancel', stream_id: streamId });
    assert.equal(((await ws.next(isType('cancelled'))) as { cancelled: boolean }).cancelled, true);
    const done = (await ws.next((m) => 'event' in m && m.event === 'done')) as { data: { reason: string } };
    assert.equal(done.data.reason, 'cancelled');
    ws.socket.close();
  });

  test('unfollow stops the events of that stream; the socket is pinged at the protocol level', async () => {
    const ws = await openTestSocket(wsUrlOf(gateway.url));
    let pings = 0;
    ws.socket.on('ping', () => pings++);
    ws.send({ type: 'start', ref: 'u', q: 'unfollow me' });
    const streamId = streamIdOf(await ws.next(isType('started')));
    await ws.next((m) => 'event' in m && m.event === 'delta');
    ws.send({ type: 'unfollow', stream_id: streamId });
    // A second unfollow is answered once the first took effect: nothing is followed any more.
    ws.send({ type: 'unfollow', stream_id: streamId });
    const from = ws.messages.length;
    await ws.next(errorFor('stream_id', streamId), 0);
    const count = ws.messages.length;
    await new Promise((resolve) => ws.socket.once('ping', resolve));
    await new Promise((resolve) => ws.socket.once('ping', resolve));
    assert.ok(pings >= 2);
    assert.ok(
      ws.messages.length === count,
      `no events after unfollow (had ${from}, now ${ws.messages.length})`,
    );
    assert.ok(!ws.messages.some((m) => 'event' in m && m.event === 'ping'), 'pings are not messages');
    ws.socket.close();
  });
});

describe('the WebSocket route: connections per IP', () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startTestGateway({ MAX_CONNECTIONS_PER_IP: '1' });
  });
  after(() => gateway.shutdown());

  /** An upgrade request without Sec-WebSocket-Key: the handshake itself is invalid. */
  const badHandshake = () =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${gateway.url}/api/v1/ws`, {
        headers: { connection: 'Upgrade', upgrade: 'websocket' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  test('a socket is one connection of its IP: a second one is refused with 429; an invalid handshake costs none', async () => {
    assert.equal(await badHandshake(), 400);
    const first = await openTestSocket(wsUrlOf(gateway.url));
    await assert.rejects(openTestSocket(wsUrlOf(gateway.url)), (error: { status: number; body: string }) => {
      assert.equal(error.status, 429);
      assert.equal(JSON.parse(error.body).error.type, 'too_many_connections');
      return true;
    });
    first.socket.close();
    await first.closed;
    // The server sees the close on its side a moment later (bounded wait).
    for (let i = 0; i < 100 && gateway.webSockets.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    const again = await openTestSocket(wsUrlOf(gateway.url));
    again.socket.close();
  });
});

describe('the WebSocket route: a client that does not read', () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startTestGateway({ SSE_MAX_UNSENT_BYTES: '65536' });
  });
  after(() => gateway.shutdown());

  const slowClients = async () => {
    const text = await gateway.services.metrics.registry.getSingleMetricAsString(
      'tidewire_slow_client_disconnects_total',
    );
    return Number(/ (\d+)$/m.exec(text)?.[1] ?? 0);
  };

  test('past SSE_MAX_UNSENT_BYTES unsent, the socket is closed with 4000 (follow again)', async () => {
    const ws = await openTestSocket(wsUrlOf(gateway.url));
    ws.send({ type: 'start', ref: 'big', q: 'fill the pipe' });
    const streamId = streamIdOf(await ws.next(isType('started')));
    await ws.next(endedOf(streamId));
    // Stop reading: what the server sends piles up in the kernel's buffers, then in the socket's.
    const raw = (ws.socket as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    const before = await slowClients();
    for (let i = 0; i < 4000 && (await slowClients()) === before; i++) {
      ws.send({ type: 'follow', stream_id: streamId });
      if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(await slowClients(), before + 1, 'counted as a slow client');
    raw.resume();
    assert.equal(await ws.closed, 4000);
  });
});

describe('the WebSocket route: auth and ownership as on SSE', () => {
  let gateway: Gateway;
  let cookie = '';
  const ada = { authorization: 'Bearer ada-token-1' };
  const bob = { authorization: 'Bearer bob-token-1' };
  before(async () => {
    gateway = await startTestGateway({ AUTH_TOKENS: 'ada:ada-token-1,bob:bob-token-1' });
    await gateway.services.auth.users.add('carol', 'correct horse battery');
    cookie = `${SESSION_COOKIE}=${await gateway.services.auth.users.startSession('carol')}`;
  });
  after(() => gateway.shutdown());

  test('no credentials, or a bad token: the upgrade is refused with 401', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-9' }] as Record<string, string>[]) {
      await assert.rejects(
        openTestSocket(wsUrlOf(gateway.url), headers),
        (error: { status: number; body: string }) => {
          assert.equal(error.status, 401);
          assert.equal(JSON.parse(error.body).error.type, 'unauthorized');
          return true;
        },
      );
    }
  });

  test("another user's stream is stream_not_found, for follow and cancel, as on SSE", async () => {
    const mine = await openTestSocket(wsUrlOf(gateway.url), ada);
    mine.send({ type: 'start', ref: 'm', q: 'mine' });
    const streamId = streamIdOf(await mine.next(isType('started')));
    const theirs = await openTestSocket(wsUrlOf(gateway.url), bob);
    theirs.send({ type: 'follow', stream_id: streamId });
    assert.equal(errorTypeOf(await theirs.next(isType('error'))), 'stream_not_found');
    theirs.send({ type: 'cancel', stream_id: streamId });
    assert.equal(errorTypeOf(await theirs.next(isType('error'), 1)), 'stream_not_found');
    theirs.send({ type: 'start', ref: 's', q: 'take it', stream_id: streamId });
    assert.equal(errorTypeOf(await theirs.next(errorFor('ref', 's'))), 'stream_exists');
    const sse = await fetch(`${gateway.url}/api/v1/streams/${streamId}`, { headers: bob });
    assert.equal(sse.status, 404, 'the same answer on SSE');
    await sse.body?.cancel();
    await mine.next(endedOf(streamId));
    assert.ok(!theirs.messages.some((m) => 'event' in m), 'bob saw no event');
    mine.socket.close();
    theirs.socket.close();
  });

  test('a cookie-authenticated socket from another origin is refused (403); from this origin it works', async () => {
    await assert.rejects(
      openTestSocket(wsUrlOf(gateway.url), { cookie, origin: 'https://evil.example' }),
      (error: { status: number; body: string }) => {
        assert.equal(error.status, 403);
        assert.equal(JSON.parse(error.body).error.type, 'forbidden');
        return true;
      },
    );
    await assert.rejects(
      openTestSocket(wsUrlOf(gateway.url), { cookie }),
      (error: { status: number }) => error.status === 403,
    );
    const ws = await openTestSocket(wsUrlOf(gateway.url), { cookie, origin: gateway.url });
    ws.send({ type: 'start', ref: 'c', q: 'from the page' });
    const streamId = streamIdOf(await ws.next(isType('started')));
    await ws.next(endedOf(streamId));
    ws.socket.close();
  });
});
