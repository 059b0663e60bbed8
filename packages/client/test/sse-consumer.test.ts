/**
 * SSEConsumer against the real gateway on loopback, through a cutting proxy: resumes after
 * cuts at many points give the exact answer, a POST is never sent twice (the gateway starts
 * one generation per question), a silent connection trips the heartbeat watchdog, a saved
 * resume point continues a stream, and close() releases the connection.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StreamEvent } from '@tidewire/protocol';
import { demoAnswer } from '../../../apps/gateway/src/models/demo-answer.ts';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { type CuttingProxy, startCuttingProxy } from '../../../testing/cutting-proxy.ts';
import { startTestGateway } from '../../../testing/gateway.ts';
import { SSEConsumer, sleep } from '../src/index.ts';
import { consume, FAST } from './helpers.ts';

let gateway: Gateway;
let proxy: CuttingProxy;
before(async () => {
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '1000' });
  proxy = await startCuttingProxy(gateway.url);
});
after(async () => {
  await proxy.close();
  await gateway.shutdown();
});

const chatUrl = (base: string, q: string) => `${base}/api/v1/stream/chat?q=${encodeURIComponent(q)}`;

/** How many generations the gateway started for `question` (each starts a conversation titled by it). */
async function generationsOf(question: string): Promise<number> {
  const response = await fetch(`${gateway.url}/api/v1/conversations?limit=100`);
  const { data } = (await response.json()) as { data: { title: string }[] };
  return data.filter((c) => c.title === question).length;
}

/** SSE connections the gateway holds open, from its metrics. */
async function openConnections(g: Gateway): Promise<number> {
  const text = await g.services.metrics.registry.getSingleMetricAsString('tidewire_sse_connections_open');
  return Number(/^tidewire_sse_connections_open (\d+)$/m.exec(text)?.[1]);
}

/** Every event a consumer handled, without pings (their timing is not part of a transcript). */
async function transcript(consumer: SSEConsumer): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of consumer) if (event.event !== 'ping') events.push(event);
  return events;
}

describe('resume after cuts', () => {
  test('cut at many points (mid-frame, mid-character), the answer is exact, one generation each', async () => {
    // 321 bytes of headers, then the first frame; its `id:` line is complete at 367.
    for (const bytes of [330, 400, 450, 600, 777, 1000, 1500, 2345, 4000, 6100]) {
      const q = `cut at ${bytes}`;
      proxy.cutNextAfterBytes(bytes);
      const cutsBefore = proxy.cuts;
      const { complete, seqs, consumer, states } = await consume(chatUrl(proxy.url, q));
      assert.equal(proxy.cuts, cutsBefore + 1, `the proxy cut at ${bytes}`);
      assert.equal(complete, demoAnswer(q), `cut after ${bytes} bytes`);
      assert.equal(consumer.state, 'done');
      assert.deepEqual(
        seqs,
        [...new Set(seqs)].sort((a, b) => a - b),
        'each delta once, in order',
      );
      assert.ok(
        states.some((s) => s.state === 'reconnecting' && s.attempt === 1),
        'it did reconnect',
      );
      assert.equal(await generationsOf(q), 1, `one generation for a cut at ${bytes}`);
    }
  });

  test('a resumed transcript equals an uninterrupted one, event for event', async () => {
    const q = 'transcript equality';
    const whole = await transcript(new SSEConsumer(chatUrl(gateway.url, q), FAST));
    assert.equal(whole.at(-1)?.event, 'done');
    const cutsBefore = proxy.cuts;
    proxy.cutAfterBytes(900);
    let cut: StreamEvent[];
    try {
      cut = await transcript(new SSEConsumer(chatUrl(proxy.url, q), FAST));
    } finally {
      proxy.cutAfterBytes(null);
    }
    assert.ok(proxy.cuts > cutsBefore + 2, `${proxy.cuts - cutsBefore} cuts`);
    // The same stream read uninterrupted, from its first event: the resumed one, event for event.
    const streamId = cut[0]!.streamId!;
    const uncut = await transcript(
      new SSEConsumer(`${gateway.url}/api/v1/streams/${streamId}?after=0`, FAST),
    );
    assert.deepEqual(cut, uncut);
    // And another run of the question gives the same answer (where deltas are cut may differ:
    // the coalescer's hold bound is a time).
    const textOf = (events: StreamEvent[], name: string) =>
      events.flatMap((e) => (e.event === name ? [(e.data as { text: string }).text] : [])).join('');
    for (const name of ['delta', 'reasoning']) assert.equal(textOf(cut, name), textOf(whole, name));
    assert.deepEqual(
      cut.map((e) => e.event).filter((e) => e !== 'delta' && e !== 'reasoning'),
      whole.map((e) => e.event).filter((e) => e !== 'delta' && e !== 'reasoning'),
    );
  });

  test('every connection cut: a POST resumes by GET + Last-Event-ID many times, one generation', async () => {
    const q = 'post cut again and again';
    const requests: string[] = [];
    const spy: typeof fetch = (input, init) => {
      const lastEventId = new Headers(init?.headers).get('last-event-id') ?? '';
      requests.push(`${init?.method} ${new URL(String(input)).pathname} ${lastEventId}`);
      return fetch(input, init);
    };
    proxy.cutAfterBytes(700);
    try {
      const { complete, consumer, errors } = await consume(`${proxy.url}/api/v1/stream/chat`, {
        body: { q },
        fetch: spy,
        maxReconnectAttempts: 3,
      });
      assert.equal(complete, demoAnswer(q), errors.map((e) => e.message).join('\n'));
      assert.ok(requests.length > 10, `${requests.length} connections`);
      assert.equal(requests[0], 'POST /api/v1/stream/chat ');
      const resume = new RegExp(`^GET /api/v1/streams/${consumer.streamId} ${consumer.streamId}:\\d+$`);
      for (const request of requests.slice(1)) assert.match(request, resume);
      assert.equal(await generationsOf(q), 1);
    } finally {
      proxy.cutAfterBytes(null);
    }
  });

  test('cut before the first id line: the X-Stream-Id header names the stream, resumed by GET from 0', async () => {
    const q = 'cut before the id';
    const requests: string[] = [];
    const spy: typeof fetch = (input, init) => {
      requests.push(`${init?.method} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    };
    proxy.cutNextAfterBytes(340); // past the headers (321 bytes), inside the first id line
    const { consumer, complete } = await consume(`${proxy.url}/api/v1/stream/chat`, {
      body: { q },
      fetch: spy,
    });
    assert.equal(complete, demoAnswer(q));
    assert.deepEqual(requests, ['POST /api/v1/stream/chat', `GET /api/v1/streams/${consumer.streamId}`]);
    assert.equal(await generationsOf(q), 1);
  });
});

describe('resume points', () => {
  test('resumeFrom continues a known stream (a page reload) without asking again', async () => {
    const first = await consume(chatUrl(gateway.url, 'reload'));
    // A point inside the answer's text (the demo model reasons first).
    const seq = first.seqs[6]!;
    const resumed = await consume(chatUrl(gateway.url, 'never sent'), {
      resumeFrom: { streamId: first.consumer.streamId!, seq },
    });
    assert.equal(resumed.seqs[0], seq + 1);
    assert.equal(resumed.consumer.lastSeq, first.consumer.lastSeq);
    assert.ok(first.complete!.endsWith(resumed.consumer.text));
    assert.equal(await generationsOf('never sent'), 0);
  });

  test('SSEConsumer.resume(baseUrl, point) reads the stream URL', async () => {
    const first = await consume(chatUrl(gateway.url, 'static resume'));
    const consumer = SSEConsumer.resume(gateway.url, { streamId: first.consumer.streamId!, seq: 0 }, FAST);
    await consumer.connect();
    assert.equal(consumer.state, 'done');
    assert.equal(consumer.text, demoAnswer('static resume'));
  });

  test('an unknown stream is a final 404 stream_not_found', async () => {
    const { consumer, errors } = await consume(chatUrl(gateway.url, 'x'), {
      resumeFrom: { streamId: '01a20000-0000-7000-8000-000000000000', seq: 0 },
    });
    assert.equal(consumer.state, 'failed');
    assert.deepEqual([errors.length, errors[0]?.type, errors[0]?.status], [1, 'stream_not_found', 404]);
  });
});

describe('liveness and release', () => {
  test('a silent connection (no bytes, no pings) trips the heartbeat watchdog and resumes', async () => {
    const q = 'stall me';
    const consumer = new SSEConsumer(chatUrl(proxy.url, q), { ...FAST, heartbeatTimeout: 150 });
    const errors: string[] = [];
    consumer.onError = (e) => errors.push(e.type);
    consumer.onDelta = () => {
      if (proxy.connections > 0 && !errors.length && !stalled) {
        stalled = true;
        proxy.stall();
        setTimeout(() => proxy.resume(), 400);
      }
    };
    let stalled = false;
    await consumer.connect();
    assert.ok(errors.includes('heartbeat_timeout'), errors.join());
    assert.equal(consumer.text, demoAnswer(q));
    assert.equal(consumer.state, 'done');
  });

  test('close() releases the connection at once; ten streams in a row all finish', async () => {
    const slow = await startTestGateway({ DEMO_TOKENS_PER_SEC: '5' });
    try {
      const consumer = new SSEConsumer(chatUrl(slow.url, 'close'), FAST);
      let openWhileStreaming = 0;
      consumer.onDelta = async () => {
        consumer.close();
      };
      consumer.onStart = async () => {
        openWhileStreaming = await openConnections(slow);
      };
      await consumer.connect();
      assert.equal(consumer.state, 'closed');
      assert.equal(openWhileStreaming, 1);
      // The gateway sees the socket close: no connection is left open after close().
      for (let i = 0; i < 100 && (await openConnections(slow)) > 0; i++) await sleep(20);
      assert.equal(await openConnections(slow), 0);
    } finally {
      await slow.shutdown();
    }
    for (let i = 0; i < 10; i++) {
      const { consumer, complete } = await consume(chatUrl(gateway.url, `in a row ${i}`));
      assert.equal(consumer.state, 'done');
      assert.equal(complete, demoAnswer(`in a row ${i}`));
    }
  });

  test('an aborted signal closes the consumer without a request', async () => {
    const requests: string[] = [];
    const consumer = new SSEConsumer(chatUrl(gateway.url, 'aborted'), {
      signal: AbortSignal.abort(),
      fetch: (input, init) => {
        requests.push(String(input));
        return fetch(input, init);
      },
    });
    await consumer.connect();
    assert.equal(consumer.state, 'closed');
    assert.deepEqual(requests, []);
  });
});
