/**
 * The WebSocket transport (`GET /api/v1/ws`, docs/WEBSOCKET.md) at the edge: the Worker
 * bundle, as deployed, in workerd (miniflare on a loopback port), spoken to by a real
 * WebSocket client. The same session as on Node: a start streams to `done`; a socket cut
 * mid-answer is resumed on a new one, and the events are byte-identical to the SSE transcript
 * of the same stream in the same isolate; bad messages get the protocol's `error`; heartbeats
 * are `ping` messages (workerd sends no ping frames); the socket and its streams count as
 * connections. (Vercel's edge runtime, which has no WebSocket server, is in edge.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { WsServerMessage } from '@tidewire/protocol';
import { Miniflare } from 'miniflare';
import { demoAnswer } from '../../apps/gateway/src/models/demo-answer.ts';
import { SSEConsumer } from '../../packages/client/src/index.ts';
import { collectSSE } from '../../testing/sse-client.ts';
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
} from '../../testing/ws-client.ts';
import { bundleEdge } from '../bundle.ts';

type EventMessage = Extract<WsServerMessage, { event: string }>;

const startedFor = (ref: string) => isType('started', (m) => m.ref === ref);

/** The event messages of `streamId`, heartbeats left out (they are not in the stream's log). */
const eventsOf = (messages: WsServerMessage[], streamId: string) =>
  messages.filter((m): m is EventMessage => 'event' in m && m.stream_id === streamId && m.event !== 'ping');
const answerOf = (events: EventMessage[]) =>
  events.map((m) => (m.event === 'delta' ? (m.data as { text: string }).text : '')).join('');

/**
 * The Worker bundle in workerd, on a loopback port, with these variables, for the tests of
 * the enclosing `describe`: returns its base URL (once started).
 */
function workerFor(bindings: Record<string, string>): () => string {
  let mf: Miniflare;
  let url: string;
  before(async () => {
    const bundles = await bundleEdge();
    mf = new Miniflare({
      modules: true,
      scriptPath: bundles['cloudflare-worker'],
      compatibilityDate: '2026-04-01',
      bindings,
      host: '127.0.0.1',
      port: 0,
    });
    url = (await mf.ready).href.replace(/\/$/, '');
  });
  after(() => mf.dispose());
  return () => url;
}

describe('the WebSocket route of the Cloudflare Worker (workerd)', () => {
  const worker = workerFor({ DEMO_TOKENS_PER_SEC: '300', MAX_BODY_BYTES: '4096' });
  let url: string;
  let ws: TestSocket;
  before(async () => {
    url = worker();
    ws = await openTestSocket(wsUrlOf(url));
  });
  after(() => ws.socket.close());

  test('a start streams the demo answer to `done`, then `ended`; the same events as SSE', async () => {
    const q = 'a socket at the edge';
    ws.send({ type: 'start', ref: 'e1', q });
    const streamId = streamIdOf(await ws.next(startedFor('e1')));
    await ws.next(endedOf(streamId));
    const events = eventsOf(ws.messages, streamId);
    assert.equal(events[0]?.event, 'hello');
    assert.equal(events.at(-1)?.event, 'done');
    assert.equal(answerOf(events), demoAnswer(q));
    const sse = await collectSSE(`${url}/api/v1/streams/${streamId}`);
    assert.deepEqual(
      transcriptOf(events, streamId),
      sseFramesOf(sse.raw),
      'the WebSocket events are the SSE frames byte for byte',
    );
  });

  test('a socket cut mid-answer is resumed on a new socket from its last id, exactly', async () => {
    const q = 'cut the edge socket and follow again';
    const first = await openTestSocket(wsUrlOf(url));
    first.send({ type: 'start', ref: 'cut', q });
    const streamId = streamIdOf(await first.next(startedFor('cut')));
    await first.next((m) => eventsOf([m], streamId).length > 0 && (m as EventMessage).seq === 5);
    first.socket.terminate();
    await first.closed;
    const before = eventsOf(first.messages, streamId);
    const last = before.at(-1)!;
    assert.notEqual(last.event, 'done', 'the socket was cut before the end');

    const second = await openTestSocket(wsUrlOf(url));
    second.send({ type: 'follow', stream_id: streamId, after: last.seq });
    await second.next(endedOf(streamId));
    second.socket.close();
    const rest = eventsOf(second.messages, streamId);
    assert.equal(rest[0]?.seq, last.seq! + 1);
    assert.equal(rest.at(-1)?.event, 'done');
    assert.equal(answerOf([...before, ...rest]), demoAnswer(q));
    const sse = await collectSSE(`${url}/api/v1/streams/${streamId}`);
    assert.deepEqual(transcriptOf([...before, ...rest], streamId), sseFramesOf(sse.raw));
  });

  test('several streams on one socket, each in order; `cancel` stops one', async () => {
    ws.send({ type: 'start', ref: 'a', q: 'first of two' });
    ws.send({ type: 'start', ref: 'b', q: 'second of two, cancelled' });
    const a = streamIdOf(await ws.next(startedFor('a')));
    const b = streamIdOf(await ws.next(startedFor('b')));
    ws.send({ type: 'cancel', stream_id: b });
    await ws.next(isType('cancelled', (m) => m.stream_id === b));
    await ws.next(endedOf(a));
    await ws.next(endedOf(b));
    assert.equal(answerOf(eventsOf(ws.messages, a)), demoAnswer('first of two'));
    const done = eventsOf(ws.messages, b).at(-1);
    assert.equal(done?.event, 'done');
    assert.equal((done?.data as { reason: string } | undefined)?.reason, 'cancelled');
    for (const id of [a, b]) {
      const seqs = eventsOf(ws.messages, id).map((m) => m.seq!);
      assert.deepEqual(
        seqs,
        seqs.map((_, i) => i + 1),
        `stream ${id} in order`,
      );
    }
  });

  test('bad messages get the protocol error message; the socket stays open', async () => {
    const from = ws.messages.length;
    ws.socket.send('{not json');
    assert.equal(errorTypeOf(await ws.next(isType('error'), from)), 'invalid_json');
    const cases: [unknown, string][] = [
      [[1, 2], 'bad_request'],
      [{ ref: 'no-type' }, 'bad_request'],
      [{ type: 'jump', ref: 'jump' }, 'bad_request'],
      [{ type: 'start', ref: 'empty' }, 'missing_question'],
      [{ type: 'follow', stream_id: 'has spaces' }, 'bad_request'],
      [{ type: 'follow', stream_id: 'abc', after: -1 }, 'invalid_after'],
    ];
    for (const [message, type] of cases) {
      const at = ws.messages.length;
      ws.send(message);
      assert.equal(errorTypeOf(await ws.next(isType('error'), at)), type, JSON.stringify(message));
    }
    const at = ws.messages.length;
    ws.socket.send(new Uint8Array([1, 2, 3]));
    const binary = await ws.next(isType('error'), at);
    assert.equal(errorTypeOf(binary), 'bad_request');
    assert.match((binary as { error: { message: string } }).error.message, /binary/);
    assert.equal(ws.socket.readyState, ws.socket.OPEN);
  });

  test('a stream id that does not exist is stream_not_found, for follow, cancel and unfollow', async () => {
    const missing = '01a20000-0000-7000-8000-000000000000';
    for (const type of ['follow', 'cancel', 'unfollow']) {
      const at = ws.messages.length;
      ws.send({ type, stream_id: missing });
      const reply = await ws.next(isType('error'), at);
      assert.equal(errorTypeOf(reply), 'stream_not_found', type);
      assert.equal(streamIdOf(reply), missing);
    }
  });

  test('a message larger than MAX_BODY_BYTES closes the socket with 1009, as on Node', async () => {
    const big = await openTestSocket(wsUrlOf(url));
    big.send({ type: 'start', q: 'x'.repeat(5000) });
    assert.equal(await big.closed, 1009);
  });

  test('a plain GET (no Upgrade) is 426 with the contract error body', async () => {
    const plain = await fetch(`${url}/api/v1/ws`);
    assert.equal(plain.status, 426);
    assert.equal(((await plain.json()) as { error: { type: string } }).error.type, 'bad_request');
  });

  test("SSEConsumer with transport: 'websocket' reads the answer from the Worker", async () => {
    const q = 'a consumer over the edge socket';
    let complete: string | undefined;
    const errors: Error[] = [];
    const consumer = new SSEConsumer(`${url}/api/v1/stream/chat`, {
      body: { q },
      transport: 'websocket',
      maxReconnectAttempts: 0,
      onComplete: (text) => {
        complete = text;
      },
      onError: (error) => errors.push(error),
    });
    await consumer.connect();
    assert.deepEqual(errors, []);
    assert.equal(consumer.transport, 'websocket');
    assert.equal(complete, demoAnswer(q));
  });
});

describe('heartbeats at the edge', () => {
  // One token every 500 ms and a heartbeat every 100 ms: the pauses carry heartbeats.
  const url = workerFor({ DEMO_TOKENS_PER_SEC: '2', SSE_HEARTBEAT_MS: '100' });

  test('are `ping` messages of the followed stream, without seq (workerd sends no ping frames)', async () => {
    const ws = await openTestSocket(wsUrlOf(url()));
    ws.send({ type: 'start', ref: 'slow', q: 'slow' });
    const streamId = streamIdOf(await ws.next(startedFor('slow')));
    const ping = (await ws.next(
      (m) => 'event' in m && m.stream_id === streamId && m.event === 'ping',
    )) as EventMessage;
    assert.equal(ping.seq, undefined);
    assert.equal(typeof (ping.data as { ts: number }).ts, 'number');
    ws.send({ type: 'cancel', stream_id: streamId });
    await ws.next(endedOf(streamId));
    ws.socket.close();
  });
});

describe('connection limits at the edge', () => {
  const url = workerFor({ DEMO_TOKENS_PER_SEC: '300', MAX_CONNECTIONS_PER_IP: '1' });

  test('the socket is one connection and each stream it follows one more, as on Node', async () => {
    const ws = await openTestSocket(wsUrlOf(url()));
    ws.send({ type: 'start', ref: 'over', q: 'one connection too many' });
    const refused = await ws.next(isType('error', (m) => m.ref === 'over'));
    assert.equal(errorTypeOf(refused), 'too_many_connections');
    await assert.rejects(openTestSocket(wsUrlOf(url())), { status: 429 });
    ws.socket.close();
    assert.equal(await ws.closed, 1000, "the Worker answers the client's close frame");
  });

  test('each client counts as the address Cloudflare saw (CF-Connecting-IP), not all as one', async () => {
    const from = (ip: string) => openTestSocket(wsUrlOf(url()), { 'cf-connecting-ip': ip });
    const a = await from('203.0.113.7');
    const b = await from('198.51.100.9');
    await assert.rejects(from('203.0.113.7'), { status: 429 });
    a.socket.close();
    b.socket.close();
    await Promise.all([a.closed, b.closed]);
  });
});
