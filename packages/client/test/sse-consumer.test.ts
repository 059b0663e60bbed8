/**
 * SSEConsumer against the real gateway on loopback (through a cutting proxy) and against
 * tiny servers that answer with each error shape.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { encodeEvent } from '@tidewire/protocol';
import { demoAnswer } from '../../../apps/gateway/src/models/demo-answer.ts';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { type CuttingProxy, startCuttingProxy } from '../../../testing/cutting-proxy.ts';
import { startTestGateway } from '../../../testing/gateway.ts';
import { type ConsumerState, SSEConsumer, type StreamError } from '../src/index.ts';

let gateway: Gateway;
let proxy: CuttingProxy;
before(async () => {
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '400' });
  proxy = await startCuttingProxy(gateway.url);
});
after(async () => {
  await proxy.close();
  await gateway.shutdown();
});

const FAST = { reconnectDelay: 5, maxReconnectDelay: 20 };

/** Runs a consumer to its end, recording what its handlers saw. */
async function consume(url: string, options: ConstructorParameters<typeof SSEConsumer>[1] = {}) {
  const seqs: number[] = [];
  const errors: StreamError[] = [];
  const states: ConsumerState[] = [];
  let complete: string | undefined;
  const consumer = new SSEConsumer(url, {
    ...FAST,
    ...options,
    onDelta: (_, e) => seqs.push(e.seq!),
    onComplete: (text) => {
      complete = text;
    },
    onError: (e) => errors.push(e),
    onStateChange: (s) => states.push(s),
  });
  await consumer.connect();
  return { consumer, seqs, errors, states, complete };
}

/** A server that answers every request with `handler`; closes after the test. */
async function tinyServer(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  let n = 0;
  const server: Server = createServer((req, res) => handler(req, res, n++));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
    requests: () => n,
  };
}

describe('resume', () => {
  test('cut after many different byte counts, the answer is always exact', async () => {
    const q = 'cut me anywhere';
    for (const bytes of [450, 777, 1500, 2345, 4000, 6100]) {
      proxy.cutNextAfterBytes(bytes);
      const { complete, seqs, consumer, states } = await consume(
        `${proxy.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`,
      );
      assert.equal(complete, demoAnswer(q), `cut after ${bytes} bytes`);
      assert.equal(consumer.state, 'done');
      assert.deepEqual(
        seqs,
        [...new Set(seqs)].sort((a, b) => a - b),
        'each delta once, in order',
      );
      assert.ok(states.includes('reconnecting'), 'it did reconnect');
    }
  });

  test('a cut POST stream resumes with GET + Last-Event-ID; one generation only', async () => {
    proxy.cutNextAfterBytes(900);
    const seen: string[] = [];
    const fetchSpy: typeof fetch = (input, init) => {
      seen.push(
        `${init?.method ?? 'GET'} ${new URL(String(input)).pathname} ${new Headers(init?.headers).get('last-event-id') ?? ''}`,
      );
      return fetch(input, init);
    };
    const { complete, consumer } = await consume(`${proxy.url}/api/v1/stream/chat`, {
      body: { q: 'post once' },
      fetch: fetchSpy,
    });
    assert.equal(complete, demoAnswer('post once'));
    assert.equal(seen.filter((s) => s.startsWith('POST')).length, 1, seen.join('\n'));
    assert.ok(
      seen
        .slice(1)
        .every((s) => s.startsWith(`GET /api/v1/streams/${consumer.streamId} ${consumer.streamId}:`)),
    );
  });

  test('resumeFrom continues a known stream (a page reload) without asking again', async () => {
    const first = await consume(`${gateway.url}/api/v1/stream/chat?q=reload`);
    const resumed = await consume(`${gateway.url}/api/v1/stream/chat?q=never-sent`, {
      resumeFrom: { streamId: first.consumer.streamId!, seq: 10 },
    });
    assert.equal(resumed.seqs[0], 11);
    assert.ok(first.complete!.endsWith(resumed.consumer.text));
  });

  test('a silent connection (no bytes, no pings) trips the heartbeat watchdog and resumes', async () => {
    const q = 'stall me';
    const consumer = new SSEConsumer(`${proxy.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`, {
      ...FAST,
      heartbeatTimeout: 150,
    });
    const errors: string[] = [];
    consumer.onError = (e) => errors.push(e.type);
    let stalled = false;
    consumer.onDelta = () => {
      if (!stalled) {
        stalled = true;
        proxy.stall();
        setTimeout(() => proxy.resume(), 400);
      }
    };
    let complete = '';
    consumer.onComplete = (text) => {
      complete = text;
    };
    await consumer.connect();
    assert.ok(errors.includes('heartbeat_timeout'), errors.join());
    assert.equal(complete, demoAnswer(q));
  });
});

describe('HTTP errors', () => {
  test('4xx is final and carries the contract error body', async () => {
    const { errors, states, consumer } = await consume(`${gateway.url}/api/v1/stream/chat?q=`);
    assert.equal(consumer.state, 'failed');
    assert.equal(errors.at(-1)?.type, 'missing_question');
    assert.equal(errors.at(-1)?.status, 400);
    assert.ok(!states.includes('reconnecting'));
  });

  test('5xx is retried until it works', async () => {
    const server = await tinyServer((_req, res, n) => {
      if (n < 2)
        return res
          .writeHead(503, { 'content-type': 'application/json' })
          .end('{"error":{"type":"service_unavailable","message":"later"}}');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(
        encodeEvent('delta', { text: 'ok' }, 's:1') +
          encodeEvent('done', { reason: 'stop', tokens: 1 }, 's:2'),
      );
    });
    const { complete, errors } = await consume(server.url);
    server.close();
    assert.equal(complete, 'ok');
    assert.deepEqual(
      errors.map((e) => [e.type, e.retrying]),
      [
        ['service_unavailable', true],
        ['service_unavailable', true],
      ],
    );
  });

  test('429 waits Retry-After, then retries', async () => {
    let firstAt = 0;
    let secondAt = 0;
    const server = await tinyServer((_req, res, n) => {
      if (n === 0) {
        firstAt = Date.now();
        return res
          .writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' })
          .end('{"error":{"type":"rate_limited","message":"slow down"}}');
      }
      secondAt = Date.now();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(encodeEvent('done', { reason: 'stop', tokens: 0 }, 's:1'));
    });
    const { consumer, errors } = await consume(server.url);
    server.close();
    assert.equal(consumer.state, 'done');
    assert.equal(errors[0]?.type, 'rate_limited');
    assert.ok(secondAt - firstAt >= 950, `waited ${secondAt - firstAt} ms`);
  });

  test('after maxReconnectAttempts it stops with one clear error', async () => {
    const server = await tinyServer((_req, res) => res.writeHead(502).end());
    const { consumer, errors } = await consume(server.url, { maxReconnectAttempts: 3 });
    server.close();
    assert.equal(consumer.state, 'failed');
    assert.equal(server.requests(), 1 + 3, 'the first request, then three reconnects');
    assert.equal(errors.at(-1)?.type, 'reconnect_failed');
    assert.equal(errors.filter((e) => !e.retrying).length, 1);
  });
});

describe('bytes and sequence', () => {
  test('multi-byte characters split across network chunks survive', async () => {
    const frame =
      encodeEvent('delta', { text: 'مرحبا 👩🏽‍💻 日本' }, 's:1') +
      encodeEvent('done', { reason: 'stop', tokens: 1 }, 's:2');
    const bytes = new TextEncoder().encode(frame);
    const server = await tinyServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const byte of bytes) {
        res.write(Uint8Array.of(byte));
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
    const { complete } = await consume(server.url);
    server.close();
    assert.equal(complete, 'مرحبا 👩🏽‍💻 日本');
  });

  test('a gap in sequence numbers is an error and a resume from the last good event', async () => {
    const resumes: string[] = [];
    const server = await tinyServer((req, res, n) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (n === 0)
        return res.end(
          encodeEvent('delta', { text: 'a' }, 's:1') + encodeEvent('delta', { text: 'c' }, 's:3'),
        );
      resumes.push(String(req.headers['last-event-id']));
      res.end(
        encodeEvent('delta', { text: 'b' }, 's:2') +
          encodeEvent('delta', { text: 'c' }, 's:3') +
          encodeEvent('done', { reason: 'stop', tokens: 3 }, 's:4'),
      );
    });
    const { complete, errors } = await consume(server.url, { resumeUrl: () => server.url });
    server.close();
    assert.equal(complete, 'abc');
    assert.equal(errors[0]?.type, 'sequence_gap');
    assert.deepEqual(resumes, ['s:1']);
  });

  test('the async iterator yields every event once', async () => {
    const consumer = new SSEConsumer(`${gateway.url}/api/v1/stream/chat?q=iterate`, FAST);
    const names: string[] = [];
    for await (const event of consumer) names.push(event.event);
    assert.equal(names[0], 'hello');
    assert.equal(names.at(-1), 'done');
  });

  test('close() releases the connection at once', async () => {
    const slow = await startTestGateway({ DEMO_TOKENS_PER_SEC: '5' });
    const consumer = new SSEConsumer(`${slow.url}/api/v1/stream/chat?q=close`, FAST);
    consumer.onDelta = () => consumer.close();
    await consumer.connect();
    assert.equal(consumer.state, 'closed');
    await slow.shutdown();
  });
});
