import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import {
  DEFAULT_REQUEST_QUEUE,
  Fifo,
  queueRequests,
  type RequestQueueOptions,
} from '../src/request-queue.ts';

/**
 * A loopback server whose handler records each request it is given (by its `?n=`) and leaves
 * it for the test to answer; requests are queued with `options`.
 */
async function queuedServer(options: RequestQueueOptions) {
  const handled: string[] = [];
  const held = new Map<string, ServerResponse>();
  let onHandled: (() => void) | undefined;
  const listener = queueRequests((req: IncomingMessage, res: ServerResponse) => {
    const n = new URL(req.url!, 'http://x').searchParams.get('n')!;
    handled.push(n);
    held.set(n, res);
    onHandled?.();
  }, options);
  const server = createServer(listener);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const send = (n: string) => {
    const req = request({ port, host: '127.0.0.1', path: `/?n=${n}`, agent: false });
    const answered = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
    });
    answered.catch(() => {});
    req.end();
    return { req, answered };
  };
  /** Resolves once the handler has been given `count` requests in all. */
  const handledCount = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => handled.length >= count && resolve();
      onHandled = check;
      check();
    });
  const close = async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  return { handled, held, send, handledCount, close, waiting: listener.waiting };
}

type QueuedServer = Awaited<ReturnType<typeof queuedServer>>;

/** Runs `body` with a queued server (`queuedServer`), closed after it. */
async function withQueuedServer(options: RequestQueueOptions, body: (s: QueuedServer) => Promise<void>) {
  const s = await queuedServer(options);
  try {
    await body(s);
  } finally {
    await s.close();
  }
}

/** Time for requests already sent to reach the server, where nothing is expected to happen. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test('requests beyond the limit wait, and enter in arrival order as heads are written', async () => {
  await withQueuedServer({ limit: 2, maxHoldMs: 60_000 }, async (s) => {
    const a = s.send('a');
    await s.handledCount(1);
    s.send('b');
    await s.handledCount(2);
    const c = s.send('c');
    const d = s.send('d');
    // c and d are parsed by the server, but wait: two requests have no head yet.
    await settle();
    assert.deepEqual(s.handled, ['a', 'b']);
    assert.equal(s.waiting(), 2);
    s.held.get('a')!.writeHead(200).end('a');
    assert.equal(await a.answered, 200);
    await s.handledCount(3);
    assert.deepEqual(s.handled, ['a', 'b', 'c']);
    // An implicit head (end without writeHead) frees a place too.
    s.held.get('b')!.end('b');
    await s.handledCount(4);
    assert.deepEqual(s.handled, ['a', 'b', 'c', 'd']);
    assert.equal(s.waiting(), 0);
    s.held.get('c')!.end();
    s.held.get('d')!.end();
    assert.equal(await c.answered, 200);
    assert.equal(await d.answered, 200);
  });
});

test('a request whose client left while it waited is never handled', async () => {
  await withQueuedServer({ limit: 1, maxHoldMs: 60_000 }, async (s) => {
    s.send('a');
    await s.handledCount(1);
    const gone = s.send('gone');
    const kept = s.send('kept');
    await settle();
    gone.req.destroy();
    await settle();
    s.held.get('a')!.end();
    await s.handledCount(2);
    assert.deepEqual(s.handled, ['a', 'kept']);
    s.held.get('kept')!.end();
    assert.equal(await kept.answered, 200);
  });
});

test('a request that writes no head stops counting after maxHoldMs, so the queue moves on', async () => {
  await withQueuedServer({ limit: 1, maxHoldMs: 20 }, async (s) => {
    s.send('slow');
    await s.handledCount(1);
    const next = s.send('next');
    // Nothing answers "slow": "next" is handled once "slow" has counted for 20 ms.
    await s.handledCount(2);
    assert.deepEqual(s.handled, ['slow', 'next']);
    s.held.get('next')!.end();
    assert.equal(await next.answered, 200);
    s.held.get('slow')!.end();
  });
});

test('a gateway given 300 stream starts at once answers each with its whole stream', async () => {
  const gateway = await startTestGateway();
  try {
    const count = 300; // more than DEFAULT_REQUEST_QUEUE.limit: most of them wait their turn
    assert.ok(count > DEFAULT_REQUEST_QUEUE.limit);
    const streams = await Promise.all(
      Array.from({ length: count }, (_, i) => collectSSE(`${gateway.url}/api/v1/stream/chat?q=Hello+${i}`)),
    );
    for (const s of streams) {
      assert.equal(s.status, 200);
      assert.equal(s.events.at(-1)?.event, 'done');
    }
    const ids = streams.map((s) => (s.events[0]!.data as { stream_id: string }).stream_id);
    assert.equal(new Set(ids).size, count);
  } finally {
    await gateway.shutdown();
  }
});

test('the waiting line gives requests back in arrival order however long it grows', () => {
  const line = new Fifo<number>();
  const taken: number[] = [];
  let next = 0;
  // Long enough for the taken part to be cut off several times, with arrivals in between.
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 3000; i++) line.push(next++);
    for (let i = 0; i < 2500; i++) taken.push(line.take());
  }
  assert.equal(line.size, 5 * 500);
  while (line.size > 0) taken.push(line.take());
  assert.deepEqual(
    taken,
    Array.from({ length: next }, (_, i) => i),
  );
});
