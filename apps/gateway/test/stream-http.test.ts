/**
 * The stream endpoints over real HTTP on loopback, read as raw bytes: the contract's frames,
 * headers, resume paths and cancel.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';
import { demoAnswer } from '../src/models/demo-answer.ts';
import type { Gateway } from '../src/server.ts';

let fast: Gateway;
let paced: Gateway;
before(async () => {
  fast = await startTestGateway();
  paced = await startTestGateway({ DEMO_TOKENS_PER_SEC: '200', SSE_HEARTBEAT_MS: '40' });
});
after(async () => {
  await fast.shutdown();
  await paced.shutdown();
});

const chat = (g: Gateway, q: string) => `${g.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`;

describe('a new stream', () => {
  test('has the contract headers', async () => {
    const { status, headers } = await collectSSE(chat(fast, 'headers'));
    assert.equal(status, 200);
    assert.equal(headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(headers.get('cache-control'), 'no-cache, no-transform');
    assert.equal(headers.get('x-accel-buffering'), 'no');
    assert.equal(headers.get('connection'), 'keep-alive');
    assert.equal(headers.get('content-encoding'), null);
  });

  test('frames are id, event, data; the first carries retry: 1000; seq rises by one', async () => {
    const { raw, events } = await collectSSE(chat(fast, 'frames'));
    const streamId = events[0]!.streamId!;
    assert.match(raw, new RegExp(`^id: ${streamId}:1\nevent: hello\nretry: 1000\ndata: \\{`));
    const frames = raw.split('\n\n').filter(Boolean);
    frames.forEach((frame, i) => {
      assert.match(
        frame,
        new RegExp(`^id: ${streamId}:${i + 1}\nevent: [a-z]+\n(retry: 1000\n)?data: [^\n]+$`),
      );
    });
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, i) => i + 1),
    );
  });

  test('events come in the contract order and the answer is the demo answer', async () => {
    const q = 'Tell me about tides';
    const { events } = await collectSSE(chat(fast, q));
    const names = events.map((e) => e.event);
    assert.deepEqual(names.slice(0, 3), ['hello', 'start', 'conversation']);
    assert.deepEqual(names.slice(-2), ['metadata', 'done']);
    // The demo model reasons first, then answers.
    const body = names.slice(3, -2).join(' ');
    assert.match(body, /^(reasoning )+delta( delta)*$/);
    const conversation = events[2]!;
    assert.ok(conversation.event === 'conversation' && events[0]!.event === 'hello');
    assert.equal(conversation.data.id, events[0]!.data.conversation_id);
    assert.equal(answerOf(events), demoAnswer(q));
    const hello = events[0]!;
    assert.ok(
      hello.event === 'hello' && hello.data.model === 'demo' && hello.data.stream_id === hello.streamId,
    );
    const done = events.at(-1)!;
    assert.ok(done.event === 'done' && done.data.reason === 'stop' && done.data.tokens > 100);
    const metadata = events.at(-2)!;
    assert.ok(metadata.event === 'metadata' && metadata.data.model_used === 'demo');
  });

  test('the same question gives the same answer; Arabic and emoji arrive intact', async () => {
    const a = answerOf((await collectSSE(chat(fast, 'same'))).events);
    const b = answerOf((await collectSSE(chat(fast, 'same'))).events);
    assert.equal(a, b);
    assert.ok(a.includes('مرحبًا بك في tidewire') && a.includes('👩🏽‍💻'));
  });

  test('POST with {"q"} and with {"messages"} start streams; the admin endpoint too', async () => {
    for (const [path, body] of [
      ['/api/v1/stream/chat', { q: 'post' }],
      ['/api/v1/stream/chat', { messages: [{ role: 'user', content: 'post' }] }],
      ['/admin/api/chat/stream', { q: 'post' }],
    ] as const) {
      const { events } = await collectSSE(`${fast.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(answerOf(events), demoAnswer('post'), path);
    }
  });

  test('open streams get ping events without an id', async () => {
    const { events, raw } = await collectSSE(chat(paced, 'pings please'), {
      keepPings: true,
      until: (_, all) => all.filter((e) => e.event === 'ping').length >= 2,
    });
    assert.ok(events.some((e) => e.event === 'ping' && e.seq === undefined));
    assert.match(raw, /(^|\n\n)event: ping\ndata: \{"ts":\d+\}\n\n/);
  });
});

describe('resuming', () => {
  test('with Last-Event-ID on the same URL, last_event_id, or /streams/ID?after=, the transcript is byte-identical', async () => {
    const q = 'resume me';
    const full = await collectSSE(chat(fast, q));
    const streamId = full.events[0]!.streamId!;
    const frames = full.raw.split(/(?<=\n\n)/);
    for (const seq of [0, 1, 2, 5, 17, frames.length - 1, frames.length]) {
      const expected = frames.slice(seq).join('');
      const viaHeader = await collectSSE(chat(fast, 'ignored, never re-asked'), {
        headers: { 'last-event-id': `${streamId}:${seq}` },
      });
      assert.equal(viaHeader.raw, expected, `Last-Event-ID after ${seq}`);
      const viaQuery = await collectSSE(`${fast.url}/api/v1/stream/chat?last_event_id=${streamId}:${seq}`);
      assert.equal(viaQuery.raw, expected, `last_event_id after ${seq}`);
      const viaPath = await collectSSE(`${fast.url}/api/v1/streams/${streamId}?after=${seq}`);
      assert.equal(viaPath.raw, expected, `after=${seq}`);
    }
  });

  test('a POST with Last-Event-ID resumes and starts no second generation', async () => {
    const first = await collectSSE(chat(fast, 'bill me once'));
    const streamId = first.events[0]!.streamId!;
    const conversations = async () =>
      ((await (await fetch(`${fast.url}/api/v1/conversations?limit=100`)).json()) as { data: unknown[] }).data
        .length;
    const count = await conversations();
    const resumed = await collectSSE(`${fast.url}/api/v1/stream/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'last-event-id': `${streamId}:3` },
      body: JSON.stringify({ q: 'bill me once' }),
    });
    assert.equal(resumed.events[0]?.seq, 4);
    assert.equal(await conversations(), count, 'no new generation (nor conversation) was started');
  });

  test('the generation runs on while no client is connected', async () => {
    const q = 'keep going without me';
    const partial = await collectSSE(chat(paced, q), { until: (e) => e.event === 'delta' });
    const last = partial.events.at(-1)!;
    const rest = await collectSSE(`${paced.url}/api/v1/streams/${last.streamId}?after=${last.seq}`);
    assert.equal(answerOf([...partial.events, ...rest.events]), demoAnswer(q));
    assert.equal(rest.events.at(-1)?.event, 'done');
  });

  test('a reader that joins live gets replay then live with no gap or duplicate', async () => {
    const first = await collectSSE(chat(paced, 'join live'), { until: (_, all) => all.length >= 6 });
    const streamId = first.events[0]!.streamId!;
    const readers = await Promise.all(
      [0, 2, 4].map((seq) => collectSSE(`${paced.url}/api/v1/streams/${streamId}?after=${seq}`)),
    );
    for (const [i, { events }] of readers.entries()) {
      const start = [0, 2, 4][i]!;
      assert.deepEqual(
        events.map((e) => e.seq),
        events.map((_, j) => start + j + 1),
      );
      assert.equal(events.at(-1)?.event, 'done');
    }
  });
});

describe('cancel', () => {
  test('stops the generation; the stream ends with done {reason: cancelled}', async () => {
    const q = 'cancel me';
    const started = await collectSSE(chat(paced, q), { until: (e) => e.event === 'delta' });
    const streamId = started.events[0]!.streamId!;
    const res = await fetch(`${paced.url}/api/v1/streams/${streamId}/cancel`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { stream_id: streamId, cancelled: true });
    const { events } = await collectSSE(`${paced.url}/api/v1/streams/${streamId}`);
    const done = events.at(-1)!;
    assert.ok(done.event === 'done' && done.data.reason === 'cancelled');
    assert.ok(answerOf(events).length < demoAnswer(q).length);
    const again = await fetch(`${paced.url}/api/v1/streams/${streamId}/cancel`, { method: 'POST' });
    assert.deepEqual(await again.json(), { stream_id: streamId, cancelled: false });
  });
});
