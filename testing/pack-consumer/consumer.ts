/**
 * A user's program, copied into a fresh project that installed the packed tarballs (see
 * testing/packaging.test.ts): the compiler checks it against the published `.d.ts` files, and
 * Node runs it against the published JavaScript. It imports every public entry point and uses
 * each for real: the store contract on the memory and durable stores, an engine for an app's own events
 * (start, read back, resume by `Last-Event-ID`), the Web and Node handler sets, and the client
 * streaming an answer from the gateway started as a library, over SSE and over the WebSocket
 * (whose transport the client loads by a dynamic import of a file beside it).
 * @module
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { AdaptiveTypewriter, SSEConsumer } from '@tidewire/client';
import { loadConfig, startGateway } from '@tidewire/gateway';
import {
  createParser,
  defineEvents,
  type ParsedEvent,
  parseEventId,
  TidewireError,
} from '@tidewire/protocol';
import {
  createEngine,
  createWebHandlers,
  MemoryStreamStore,
  resumePoint,
  sseResponse,
} from '@tidewire/server';
import { DurableStreamStore } from '@tidewire/server/durable';
import { Heartbeat } from '@tidewire/server/internal';
import { createNodeHandlers, writeSSE } from '@tidewire/server/node';
import { RedisStreamStore } from '@tidewire/server/redis';
import { RecordingSink, streamStoreContract } from '@tidewire/server/test';
import * as z from 'zod/mini';

/** An app's own vocabulary, declared by types only. */
type JobEvents = { progress: { pct: number }; result: { url: string } };
const jobEvents = defineEvents<JobEvents>();
/** What the app keeps per stream (who may read it). */
type JobMeta = { userId: string };

function parse(text: string): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  createParser({ onEvent: (event) => events.push(event) }).feed(text);
  return events;
}

describe('the memory store', () => streamStoreContract(async () => new MemoryStreamStore()));

describe('the durable store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidewire-durable-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let files = 0;
  streamStoreContract(async () => new DurableStreamStore({ path: join(dir, `${++files}.db`) }));
});

test('a stream of app events reads back whole, and resumes after any event it names', async () => {
  const jobs = createEngine<JobEvents, JobMeta>({ events: jobEvents, heartbeatMs: 0 });
  const stream = await jobs.start({ meta: { userId: 'u1' } });
  stream.emit('progress', { pct: 50 });
  stream.emit('result', { url: '/results/1' });
  await stream.end('stop');

  const sink = new RecordingSink();
  stream.reader().pipe(sink);
  assert.ok(sink.ended);
  const events = parse(sink.text);
  assert.deepEqual(
    events.map((e) => e.event),
    ['hello', 'progress', 'result', 'done'],
  );
  assert.equal(parseEventId(events.at(-1)?.id ?? '')?.seq, stream.lastSeq);

  const request = new Request('http://127.0.0.1/jobs', { headers: { 'Last-Event-ID': `${stream.id}:2` } });
  const point = resumePoint(request);
  assert.ok(point);
  const opened = await jobs.open(point, { authorize: (meta) => meta.userId === 'u1' });
  assert.equal(opened.status, 'attached');
  if (opened.status !== 'attached') return;
  const rest = parse(await sseResponse(opened.reader).text());
  assert.deepEqual(
    rest.map((e) => e.event),
    ['result', 'done'],
  );
  await jobs.close();
});

test('a vocabulary with schemas (zod, a Standard Schema) types and checks data on emit', async () => {
  const checked = createEngine({ events: defineEvents({ progress: z.object({ pct: z.number() }) }) });
  const stream = await checked.start({ meta: null });
  stream.emit('progress', { pct: 1 });
  assert.throws(
    () => stream.emit('progress', { pct: 'one' as unknown as number }),
    (error) => TidewireError.isInstance(error) && error.type === 'invalid_event',
  );
  await stream.end('stop');
  await checked.close();
});

test('a malformed Last-Event-ID is a typed error', () => {
  const request = new Request('http://127.0.0.1/jobs', { headers: { 'Last-Event-ID': 'nonsense:x' } });
  assert.throws(
    () => resumePoint(request, { streamId: 'nonsense' }),
    (error) => TidewireError.isInstance(error),
  );
});

test('the Web handler set starts a stream whose work runs to the end', async () => {
  const engine = createEngine({ events: jobEvents, heartbeatMs: 0 });
  const handlers = createWebHandlers(engine, {
    start: () => ({
      meta: { userId: 'u1' },
      run(stream) {
        stream.emit('progress', { pct: 100 });
      },
    }),
  });
  const response = await handlers.start(new Request('http://127.0.0.1/jobs', { method: 'POST', body: '{}' }));
  assert.equal(response.status, 200);
  const events = parse(await response.text());
  assert.deepEqual(
    events.map((e) => e.event),
    ['hello', 'progress', 'done'],
  );
  await engine.close();
});

test('the Node handler set serves a stream over node:http', async () => {
  const engine = createEngine({ events: jobEvents, heartbeatMs: 0 });
  const handlers = createNodeHandlers(engine, {
    start: () => ({
      meta: null,
      run(stream) {
        stream.emit('result', { url: '/results/2' });
      },
    }),
  });
  const server = createServer((req, res) => void handlers.start(req, res)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/jobs`);
    const events = parse(await response.text());
    assert.deepEqual(
      events.map((e) => e.event),
      ['hello', 'result', 'done'],
    );
  } finally {
    server.close();
    await engine.close();
  }
});

test('every entry point exports what its documentation names', () => {
  for (const value of [writeSSE, RedisStreamStore.connect, Heartbeat, AdaptiveTypewriter])
    assert.equal(typeof value, 'function');
});

test('the client streams the same whole answer from the gateway started as a library, over SSE and over the WebSocket (its transport, loaded on first use)', async () => {
  const gateway = await startGateway(
    loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      DATABASE_URL: 'sqlite::memory:',
      DEMO_TOKENS_PER_SEC: '0',
    }),
  );
  try {
    const answers: string[] = [];
    for (const transport of ['sse', 'websocket'] as const) {
      let answer = '';
      const consumer = new SSEConsumer(`${gateway.url}/api/v1/stream/chat`, {
        body: { q: 'Hello from a package' },
        transport,
        onComplete: (fullText) => {
          answer = fullText;
        },
        onError: (error) => assert.fail(`${transport}: ${error.type}: ${error.message}`),
      });
      await consumer.connect();
      assert.equal(consumer.state, 'done', transport);
      assert.equal(consumer.transport, transport);
      answers.push(answer);
    }
    assert.ok(answers[0]!.length > 20, answers[0]);
    assert.equal(answers[1], answers[0]);
  } finally {
    await gateway.shutdown();
  }
});
