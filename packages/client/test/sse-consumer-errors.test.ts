/**
 * SSEConsumer against tiny servers that answer with each shape a network and a server can
 * produce: HTTP errors (4xx final with the contract body, 5xx retried, 429 and Retry-After,
 * the attempt limit), bytes split anywhere, sequence gaps, stream `error` events, events
 * this client does not know, a cut before the stream's id.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeEvent } from '@tidewire/protocol';
import { SSEConsumer } from '../src/index.ts';
import { consume, FAST, sseHead, tinyServer } from './helpers.ts';

const json = { 'content-type': 'application/json' };
const done = (seq: number, reason = 'stop') => encodeEvent('done', { reason, tokens: 1 }, `s:${seq}`);

describe('HTTP errors', () => {
  test('4xx is final and carries the contract error body', async () => {
    const server = await tinyServer((_req, res) =>
      res
        .writeHead(413, json)
        .end('{"error":{"type":"question_too_long","message":"at most 10 characters"}}'),
    );
    const { errors, states, consumer } = await consume(server.url, { body: { q: 'x'.repeat(11) } });
    server.close();
    assert.equal(consumer.state, 'failed');
    assert.equal(server.requests(), 1);
    assert.equal(errors.length, 1);
    assert.deepEqual(
      {
        type: errors[0]!.type,
        message: errors[0]!.message,
        status: errors[0]!.status,
        retrying: errors[0]!.retrying,
      },
      { type: 'question_too_long', message: 'at most 10 characters', status: 413, retrying: false },
    );
    assert.ok(!states.some((s) => s.state === 'reconnecting'));
  });

  test('a 4xx without the contract body still fails clearly', async () => {
    const server = await tinyServer((_req, res) =>
      res.writeHead(403, { 'content-type': 'text/html' }).end('<h1>no</h1>'),
    );
    const { errors } = await consume(server.url);
    server.close();
    assert.deepEqual([errors.length, errors[0]?.type, errors[0]?.status], [1, 'http_403', 403]);
  });

  test('5xx is retried until it works', async () => {
    const server = await tinyServer((_req, res, n) => {
      if (n < 2)
        return res.writeHead(503, json).end('{"error":{"type":"upstream_unavailable","message":"later"}}');
      sseHead(res).end(encodeEvent('delta', { text: 'ok' }, 's:1') + done(2));
    });
    const { complete, errors } = await consume(server.url);
    server.close();
    assert.equal(complete, 'ok');
    assert.deepEqual(
      errors.map((e) => [e.type, e.status, e.retrying]),
      [
        ['upstream_unavailable', 503, true],
        ['upstream_unavailable', 503, true],
      ],
    );
  });

  test('429 waits Retry-After, then retries', async () => {
    const at: number[] = [];
    const server = await tinyServer((_req, res, n) => {
      at.push(Date.now());
      if (n === 0)
        return res
          .writeHead(429, { ...json, 'retry-after': '1' })
          .end('{"error":{"type":"rate_limited","message":"slow down"}}');
      sseHead(res).end(done(1));
    });
    const { consumer, errors } = await consume(server.url);
    server.close();
    assert.equal(consumer.state, 'done');
    assert.equal(errors[0]?.type, 'rate_limited');
    assert.equal(errors[0]?.retryAfterMs, 1000);
    // FAST backoff is at most 20 ms: only Retry-After explains a wait of a second.
    assert.ok(at[1]! - at[0]! >= 950, `waited ${at[1]! - at[0]!} ms`);
  });

  test('after maxReconnectAttempts it stops with one clear error; states count the attempts', async () => {
    const server = await tinyServer((_req, res) => res.writeHead(502).end());
    // On SSE alone: `auto` would try the WebSocket once after a 502 no server of ours wrote.
    const { consumer, errors, states } = await consume(server.url, {
      maxReconnectAttempts: 3,
      transport: 'sse',
    });
    server.close();
    assert.equal(consumer.state, 'failed');
    assert.equal(server.requests(), 1 + 3, 'the first request, then three reconnects');
    const final = errors.filter((e) => !e.retrying);
    assert.equal(final.length, 1);
    assert.equal(final[0], errors.at(-1));
    assert.equal(final[0]!.type, 'reconnect_failed');
    assert.match(final[0]!.message, /gave up after 4 attempts.*HTTP 502/);
    const attempts = states.filter((s) => s.state === 'reconnecting').map((s) => s.attempt);
    assert.deepEqual([...new Set(attempts)], [1, 2, 3]);
  });

  test('an unreachable server is a network error, retried, then reconnect_failed', async () => {
    const server = await tinyServer(() => {});
    const url = server.url;
    server.close();
    const { errors } = await consume(url, { maxReconnectAttempts: 2 });
    assert.deepEqual(
      errors.map((e) => e.type),
      ['network_error', 'network_error', 'reconnect_failed'],
    );
  });

  test('a 200 that is not an event stream is final (a captive portal, a wrong URL)', async () => {
    const server = await tinyServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'),
    );
    // On SSE alone (`auto` would try the WebSocket once first: websocket-transport.test.ts).
    const { errors, consumer } = await consume(server.url, { transport: 'sse' });
    server.close();
    assert.equal(consumer.state, 'failed');
    assert.deepEqual([server.requests(), errors[0]?.type], [1, 'bad_response']);
  });

  test('with reconnect: false a drop is final', async () => {
    const server = await tinyServer((_req, res) =>
      sseHead(res).end(encodeEvent('delta', { text: 'a' }, 's:1')),
    );
    const { errors, consumer } = await consume(server.url, { reconnect: false });
    server.close();
    assert.equal(consumer.state, 'failed');
    assert.deepEqual([server.requests(), errors.length, errors[0]?.type], [1, 1, 'network_error']);
  });
});

describe('bytes and sequence', () => {
  test('multi-byte characters split across network chunks survive (one byte per write)', async () => {
    const text = 'مَرْحَبًا 👩🏽‍💻 🇯🇵 日本';
    const bytes = new TextEncoder().encode(encodeEvent('delta', { text }, 's:1') + done(2));
    const server = await tinyServer(async (_req, res) => {
      sseHead(res).flushHeaders();
      for (const byte of bytes) {
        res.write(Uint8Array.of(byte));
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
    const { complete, errors } = await consume(server.url);
    server.close();
    assert.deepEqual(errors, []);
    assert.equal(complete, text);
  });

  test('a gap in sequence numbers is an error and a resume from the last good event', async () => {
    const server = await tinyServer((_req, res, n) => {
      const delta = (t: string, seq: number) => encodeEvent('delta', { text: t }, `s:${seq}`);
      if (n === 0) return sseHead(res).end(delta('a', 1) + delta('c', 3));
      sseHead(res).end(delta('b', 2) + delta('c', 3) + done(4));
    });
    const { complete, errors, seqs } = await consume(server.url, { resumeUrl: () => server.url });
    server.close();
    assert.equal(complete, 'abc');
    assert.deepEqual(seqs, [1, 2, 3]);
    assert.equal(errors[0]?.type, 'sequence_gap');
    assert.deepEqual(server.seen.slice(1), ['GET / s:1']);
  });

  test('replayed events (seq at or below the last one) are skipped', async () => {
    const server = await tinyServer((_req, res) => {
      const delta = (t: string, seq: number) => encodeEvent('delta', { text: t }, `s:${seq}`);
      sseHead(res).end(delta('a', 1) + delta('a', 1) + delta('b', 2) + delta('a', 1) + done(3));
    });
    const { complete, seqs } = await consume(server.url);
    server.close();
    assert.equal(complete, 'ab');
    assert.deepEqual(seqs, [1, 2]);
  });

  test('a stream error event goes to onError, then done ends the stream normally', async () => {
    const server = await tinyServer((_req, res) =>
      sseHead(res).end(
        encodeEvent('delta', { text: 'par' }, 's:1') +
          encodeEvent('error', { type: 'upstream_error', message: 'the model failed' }, 's:2') +
          done(3, 'error'),
      ),
    );
    const { complete, errors, consumer } = await consume(server.url);
    server.close();
    assert.equal(consumer.state, 'done');
    assert.equal(complete, undefined, 'no onComplete for a failed answer');
    assert.equal(consumer.text, 'par');
    assert.deepEqual(
      errors.map((e) => [e.type, e.message]),
      [['upstream_error', 'the model failed']],
    );
    assert.equal(server.requests(), 1);
  });

  test('an event this client does not know (a later contract addition) is skipped, its seq used', async () => {
    const server = await tinyServer((_req, res) =>
      sseHead(res).end(
        encodeEvent('delta', { text: 'a' }, 's:1') +
          encodeEvent('citation', { url: 'https://example.com' }, 's:2') +
          encodeEvent('delta', { text: 'b' }, 's:3') +
          done(4),
      ),
    );
    const { complete, errors } = await consume(server.url);
    server.close();
    assert.equal(complete, 'ab');
    assert.deepEqual(errors, []);
  });

  test('a cut inside the first event, after its id line: resumed by GET, the POST is not repeated', async () => {
    const first = `id: s:1\nevent: hello\nretry: 1000\ndata: {"ts":1,"mod`;
    const server = await tinyServer((_req, res, n) => {
      if (n === 0) return sseHead(res).end(first);
      const hello = { ts: 1, model: 'demo', conversation_id: null, stream_id: 's' };
      sseHead(res).end(
        encodeEvent('hello', hello, 's:1') + encodeEvent('delta', { text: 'whole' }, 's:2') + done(3),
      );
    });
    const { complete } = await consume(`${server.url}/api/v1/stream/chat`, { body: { q: 'hi' } });
    server.close();
    assert.equal(complete, 'whole');
    assert.deepEqual(server.seen, ['POST /api/v1/stream/chat', 'GET /api/v1/streams/s s:0']);
  });

  test('a cut before the headers: the start is sent again with the same Idempotency-Key', async () => {
    const keys: string[] = [];
    const server = await tinyServer((req, res, n) => {
      keys.push(String(req.headers['idempotency-key']));
      if (n === 0) return void req.socket.destroy();
      sseHead(res).end(encodeEvent('delta', { text: 'whole' }, 's:1') + done(2));
    });
    // SSE only: `auto` would take a cut before the headers for a refusal and try the WebSocket.
    const { complete } = await consume(`${server.url}/api/v1/stream/chat`, {
      body: { q: 'hi' },
      transport: 'sse',
    });
    server.close();
    assert.equal(complete, 'whole');
    assert.deepEqual(server.seen, ['POST /api/v1/stream/chat', 'POST /api/v1/stream/chat']);
    assert.equal(keys[0], keys[1]);
    assert.match(keys[0]!, /^[0-9a-f-]{36}$/);
  });

  test('a cut before the first id line, the stream named by X-Stream-Id: resumed by GET from 0', async () => {
    const server = await tinyServer((_req, res, n) => {
      if (n === 0)
        return res.writeHead(200, { 'content-type': 'text/event-stream', 'x-stream-id': 's' }).end('id: s');
      sseHead(res).end(encodeEvent('delta', { text: 'whole' }, 's:1') + done(2));
    });
    const { complete } = await consume(`${server.url}/api/v1/stream/chat`, { body: { q: 'hi' } });
    server.close();
    assert.equal(complete, 'whole');
    assert.deepEqual(server.seen, ['POST /api/v1/stream/chat', 'GET /api/v1/streams/s s:0']);
  });

  test('without crypto.randomUUID (a page on plain HTTP) a random key is sent all the same', async () => {
    const server = await tinyServer((req, res) =>
      sseHead(res).end(
        encodeEvent('delta', { text: String(req.headers['idempotency-key']) }, 's:1') + done(2),
      ),
    );
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    let consumed: Awaited<ReturnType<typeof consume>>;
    try {
      consumed = await consume(server.url, { body: { q: 'hi' } });
    } finally {
      delete (crypto as { randomUUID?: unknown }).randomUUID;
      server.close();
    }
    assert.equal(typeof crypto.randomUUID, 'function', 'restored');
    assert.match(consumed.complete!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('idempotencyKey: false sends none', async () => {
    const server = await tinyServer((req, res) =>
      sseHead(res).end(
        encodeEvent('delta', { text: String(req.headers['idempotency-key']) }, 's:1') + done(2),
      ),
    );
    const { complete } = await consume(server.url, { body: { q: 'hi' }, idempotencyKey: false });
    server.close();
    assert.equal(complete, 'undefined');
  });

  test('a server that names no stream in a header, cut before the id line is complete: stream_lost, one request', async () => {
    const server = await tinyServer((_req, res) => sseHead(res).end('id: s'));
    const { errors, consumer } = await consume(`${server.url}/api/v1/stream/chat`, { body: { q: 'hi' } });
    server.close();
    assert.equal(consumer.state, 'failed');
    assert.deepEqual([server.requests(), errors.length, errors[0]?.type], [1, 1, 'stream_lost']);
  });

  test('the async iterator yields every event once and rejects on failure', async () => {
    const server = await tinyServer((_req, res, n) => {
      if (n === 0) return sseHead(res).end(encodeEvent('delta', { text: 'a' }, 's:1'));
      sseHead(res).end(
        encodeEvent('delta', { text: 'a' }, 's:1') + encodeEvent('delta', { text: 'b' }, 's:2') + done(3),
      );
    });
    const names: string[] = [];
    for await (const event of new SSEConsumer(server.url, { ...FAST, resumeUrl: () => server.url }))
      names.push(`${event.event}:${event.seq}`);
    assert.deepEqual(names, ['delta:1', 'delta:2', 'done:3']);
    server.close();
    const failing = await tinyServer((_req, res) =>
      res.writeHead(404, json).end('{"error":{"type":"not_found","message":"no"}}'),
    );
    await assert.rejects(async () => {
      for await (const _ of new SSEConsumer(failing.url, FAST));
    }, /no/);
    failing.close();
  });

  test('leaving a for await loop early closes the consumer', async () => {
    const server = await tinyServer((_req, res) =>
      sseHead(res).write(encodeEvent('delta', { text: 'a' }, 's:1')),
    );
    const consumer = new SSEConsumer(server.url, FAST);
    for await (const event of consumer) if (event.event === 'delta') break;
    assert.equal(consumer.state, 'closed');
    await consumer.connect();
    server.close();
  });
});
