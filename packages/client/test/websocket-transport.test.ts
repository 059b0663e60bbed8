/**
 * SSEConsumer's transports against the real gateway: `websocket` reads and resumes a stream
 * over `/api/v1/ws`, and opens no socket when closed while its lazily loaded transport loads;
 * `auto` moves from SSE to the WebSocket when a proxy buffers or refuses event streams,
 * continuing the same stream (one generation, no event twice), remembers the move for the
 * origin (a slow first event only when it happens twice), and stays on SSE where no
 * WebSocket answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeEvent } from '@tidewire/protocol';
import { demoAnswer } from '../../../apps/gateway/src/models/demo-answer.ts';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { type CuttingProxy, startCuttingProxy } from '../../../testing/cutting-proxy.ts';
import { type EventStreamProxy, startEventStreamProxy } from '../../../testing/event-stream-proxy.ts';
import { generationsOf, startTestGateway } from '../../../testing/gateway.ts';
import { rememberedTransport, SSEConsumer, type WebSocketConstructor } from '../src/index.ts';
import { consume, sseHead, tinyServer } from './helpers.ts';

let gateway: Gateway;
let buffering: EventStreamProxy;
let refusing: EventStreamProxy;
let cutting: CuttingProxy;
before(async () => {
  // Paced, so that a buffered answer would arrive seconds after its first token.
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '150' });
  buffering = await startEventStreamProxy(gateway.url, 'buffer');
  refusing = await startEventStreamProxy(gateway.url, 'refuse');
  cutting = await startCuttingProxy(gateway.url);
});
after(async () => {
  await buffering.close();
  await refusing.close();
  await cutting.close();
  await gateway.shutdown();
});

/** Delta sequence numbers rise by at least one each time: no event was handled twice. */
function assertNoDuplicate(seqs: number[]): void {
  seqs.slice(1).forEach((seq, i) => {
    assert.ok(seq > seqs[i]!, `seq ${seq} after ${seqs[i]}`);
  });
}

const startUrl = (base: string) => `${base}/api/v1/stream/chat`;

describe("transport: 'websocket'", () => {
  test('reads a whole stream over /api/v1/ws: the exact answer, one generation', async () => {
    const q = 'over a websocket';
    const { consumer, complete, seqs, errors } = await consume(startUrl(gateway.url), {
      body: { q },
      transport: 'websocket',
    });
    assert.deepEqual(errors, []);
    assert.equal(consumer.transport, 'websocket');
    assert.equal(complete, demoAnswer(q));
    assertNoDuplicate(seqs);
    assert.equal(await generationsOf(gateway.url, q), 1);
  });

  test('every socket cut mid-answer: follows again after the last event, exact answer, one generation', async () => {
    const q = 'websocket cut again and again';
    cutting.cutAfterBytes(1500);
    try {
      const { consumer, complete, seqs, errors } = await consume(startUrl(cutting.url), {
        body: { q },
        transport: 'websocket',
        maxReconnectAttempts: 3,
      });
      assert.equal(complete, demoAnswer(q), errors.map((e) => e.message).join('\n'));
      assert.ok(errors.length > 2, `${errors.length} cuts`);
      assert.ok(errors.every((e) => e.type === 'network_error' && e.retrying));
      assert.equal(consumer.state, 'done');
      assertNoDuplicate(seqs);
      assert.equal(await generationsOf(gateway.url, q), 1);
    } finally {
      cutting.cutAfterBytes(null);
    }
  });
  test('closed while its transport is still loading: no socket is opened and no answer started', async () => {
    const q = 'closed before the socket';
    let sockets = 0;
    class CountedWebSocket extends WebSocket {
      constructor(url: string, init?: ConstructorParameters<WebSocketConstructor>[1]) {
        super(url, init as string[] | undefined);
        sockets++;
      }
    }
    const consumer = new SSEConsumer(startUrl(gateway.url), {
      body: { q },
      transport: 'websocket',
      WebSocket: CountedWebSocket,
    });
    const running = consumer.connect();
    consumer.close();
    await running;
    assert.equal(consumer.state, 'closed');
    assert.equal(sockets, 0);
    assert.equal(await generationsOf(gateway.url, q), 0);
  });
});

describe("transport: 'auto'", () => {
  for (const [name, proxy] of [
    ['buffers event streams until they end', () => buffering],
    ['refuses event streams', () => refusing],
  ] as const) {
    test(`a proxy that ${name}: moves to the WebSocket, same stream, one generation, remembered`, async () => {
      const q = `auto through a proxy that ${name}`;
      const heldBefore = proxy().eventStreams;
      // Through the refusing proxy only the refusal may move it (however slow the machine is).
      const bufferingTimeout = proxy() === buffering ? 300 : 30_000;
      const { consumer, complete, seqs, errors, states } = await consume(startUrl(proxy().url), {
        body: { q },
        bufferingTimeout,
      });
      assert.deepEqual(errors, [], 'the move is not an error');
      assert.equal(proxy().eventStreams, heldBefore + 1, 'SSE was tried first');
      assert.equal(consumer.transport, 'websocket');
      const streaming = states.filter((s) => s.state === 'streaming');
      assert.deepEqual(
        streaming.map((s) => s.transport),
        ['websocket'],
        'the state says so',
      );
      assert.equal(complete, demoAnswer(q));
      assertNoDuplicate(seqs);
      assert.equal(await generationsOf(gateway.url, q), 1);
      const origin = new URL(proxy().url).origin;
      let sseAttempts = 1;
      if (proxy() === buffering) {
        // A slow first event is weak evidence (a busy server): believed the second time.
        assert.equal(rememberedTransport(origin), undefined);
        const second = await consume(startUrl(proxy().url), {
          body: { q: `${q}, second` },
          bufferingTimeout: 300,
        });
        assert.equal(second.consumer.transport, 'websocket');
        sseAttempts++;
      }
      assert.equal(rememberedTransport(origin), 'websocket');

      // The next stream from this origin goes straight to the WebSocket.
      const next = await consume(startUrl(proxy().url), { body: { q: `${q}, again` } });
      assert.equal(next.consumer.transport, 'websocket');
      assert.equal(proxy().eventStreams, heldBefore + sseAttempts, 'no more SSE attempts');
      assert.equal(next.complete, demoAnswer(`${q}, again`));
    });
  }

  test('a GET start (question in the query) moves too, with the stream id it chose', async () => {
    const q = 'auto GET start';
    const url = `${startUrl(gateway.url).replace(gateway.url, buffering.url)}?q=${encodeURIComponent(q)}`;
    // A fresh origin: the proxy's earlier move is remembered for its own origin only.
    const proxy = await startEventStreamProxy(gateway.url, 'buffer');
    try {
      const { consumer, complete } = await consume(url.replace(buffering.url, proxy.url), {
        bufferingTimeout: 300,
      });
      assert.equal(consumer.transport, 'websocket');
      assert.equal(complete, demoAnswer(q));
      assert.equal(await generationsOf(gateway.url, q), 1);
    } finally {
      await proxy.close();
    }
  });

  test('an unbuffered SSE stream stays on SSE', async () => {
    const q = 'plain SSE';
    const { consumer, complete } = await consume(startUrl(gateway.url), { body: { q } });
    assert.equal(consumer.transport, 'sse');
    assert.equal(complete, demoAnswer(q));
  });

  test('no WebSocket answers where SSE failed: back on SSE, with the error SSE gave', async () => {
    const server = await tinyServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'),
    );
    const { consumer, errors } = await consume(server.url);
    server.close();
    assert.equal(consumer.state, 'failed');
    assert.equal(consumer.transport, 'sse');
    assert.deepEqual(
      errors.map((e) => e.type),
      ['bad_response'],
    );
    assert.equal(rememberedTransport(new URL(server.url).origin), undefined);
  });

  test('a heartbeat that comes late by its server ts means buffering; without a WebSocket it reads on over SSE', async () => {
    const server = await tinyServer((_req, res) => {
      const now = Date.now();
      const hello = { ts: now, model: 'demo', conversation_id: null, stream_id: 's' };
      sseHead(res).end(
        encodeEvent('hello', hello, 's:1') +
          // Made 5 s before it arrives, while `hello` arrived as soon as it was made: held on the way.
          encodeEvent('ping', { ts: now - 5000 }) +
          encodeEvent('delta', { text: 'late' }, 's:2') +
          encodeEvent('done', { reason: 'stop', tokens: 1 }, 's:3'),
      );
    });
    const { consumer, complete, errors } = await consume(`${server.url}/api/v1/stream/chat`, {
      body: { q: 'late' },
      resumeUrl: () => server.url,
    });
    server.close();
    assert.deepEqual(
      errors.map((e) => e.type),
      ['sse_buffered'],
      'detected, tried the WebSocket, then read on over SSE',
    );
    assert.equal(consumer.transport, 'sse');
    assert.equal(complete, 'late');
  });
});
