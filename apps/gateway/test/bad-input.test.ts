/**
 * Bad input gets the contract's error body and status, and never disturbs the server.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway } from '../../../testing/gateway.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import type { Gateway } from '../src/server.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway({ MAX_QUESTION_LENGTH: '50', MAX_BODY_BYTES: '2048' });
});
after(() => gateway.shutdown());

async function expectError(path: string, init: RequestInit, status: number, type: string) {
  const res = await fetch(`${gateway.url}${path}`, init);
  assert.equal(res.status, status, `${init.method ?? 'GET'} ${path}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await res.json()) as { error: { type: string; message: string } };
  assert.equal(body.error.type, type);
  assert.ok(body.error.message.length > 5, 'a human message');
  return res;
}
const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => ({
  method: 'POST',
  body,
  headers,
});

test('a missing or empty question is 400 missing_question', async () => {
  await expectError('/api/v1/stream/chat', {}, 400, 'missing_question');
  await expectError('/api/v1/stream/chat?q=', {}, 400, 'missing_question');
  await expectError('/api/v1/stream/chat?q=%20%20', {}, 400, 'missing_question');
  await expectError('/api/v1/stream/chat', post('{"q":""}'), 400, 'missing_question');
  await expectError(
    '/api/v1/stream/chat',
    post('{"messages":[{"role":"assistant","content":"hi"}]}'),
    400,
    'missing_question',
  );
});

test('a question over MAX_QUESTION_LENGTH is 413 question_too_long', async () => {
  await expectError(`/api/v1/stream/chat?q=${'x'.repeat(51)}`, {}, 413, 'question_too_long');
  await expectError(
    '/api/v1/stream/chat',
    post(JSON.stringify({ q: 'y'.repeat(51) })),
    413,
    'question_too_long',
  );
});

test('a body that is not JSON is 400 invalid_json', async () => {
  await expectError('/api/v1/stream/chat', post('{"q": "unterminated'), 400, 'invalid_json');
  await expectError('/api/v1/stream/chat', post(''), 400, 'invalid_json');
});

test('a body with wrong types is 400 bad_request', async () => {
  await expectError('/api/v1/stream/chat', post('{"q": 42}'), 400, 'bad_request');
  await expectError('/api/v1/stream/chat', post('["q"]'), 400, 'bad_request');
  await expectError(
    '/api/v1/stream/chat',
    post('{"messages":[{"role":"robot","content":"x"}]}'),
    400,
    'bad_request',
  );
  await expectError('/api/v1/stream/chat', post('{"q":"x","model":7}'), 400, 'bad_request');
  await expectError('/api/v1/stream/chat', post('{"q":"x","conversation_id":"a b"}'), 400, 'bad_request');
});

test('a body over MAX_BODY_BYTES is 413 payload_too_large', async () => {
  await expectError(
    '/api/v1/stream/chat',
    post(JSON.stringify({ q: 'z', pad: 'p'.repeat(4000) })),
    413,
    'payload_too_large',
  );
});

test('an unknown model is 400 unknown_model', async () => {
  await expectError('/api/v1/stream/chat?q=hi&model=gpt-nope', {}, 400, 'unknown_model');
});

test('an unknown or expired stream id is 404 stream_not_found', async () => {
  const unknown = '01a20000-0000-7000-8000-000000000000';
  await expectError(`/api/v1/streams/${unknown}`, {}, 404, 'stream_not_found');
  await expectError(
    '/api/v1/stream/chat',
    { headers: { 'last-event-id': `${unknown}:3` } },
    404,
    'stream_not_found',
  );
  await expectError(`/api/v1/streams/${unknown}/cancel`, { method: 'POST' }, 404, 'stream_not_found');
});

test('a malformed Last-Event-ID is 400 invalid_last_event_id', async () => {
  for (const bad of ['nonsense', 'abc:', ':4', 'abc:-2', 'abc:x']) {
    await expectError(
      '/api/v1/stream/chat?q=hi',
      { headers: { 'last-event-id': bad } },
      400,
      'invalid_last_event_id',
    );
  }
  await expectError('/api/v1/stream/chat?last_event_id=zz', {}, 400, 'invalid_last_event_id');
});

test('an after that is not a number is 400 invalid_after', async () => {
  const { events } = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=after`);
  const id = events[0]!.streamId!;
  for (const bad of ['x', '-1', '1.5', '1e3']) {
    await expectError(`/api/v1/streams/${id}?after=${bad}`, {}, 400, 'invalid_after');
  }
});

test('an unknown route is 404 JSON', async () => {
  await expectError('/api/v1/nothing-here', {}, 404, 'not_found');
});

test('after all of that the server still streams', async () => {
  const { events } = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=still+alive`);
  assert.equal(events.at(-1)?.event, 'done');
});

test('a sign-in body that is not JSON is 400 invalid_json, not a wrong password', async () => {
  await expectError('/login', post('{"name": "bob", "pass'), 400, 'invalid_json');
  await expectError('/login', post(''), 400, 'invalid_json');
});

test('a truncated multipart sign-in form is 400 bad_request, not a server error', async () => {
  const truncated = '--X\r\nContent-Disposition: form-data; name="name"\r\n\r\nbob';
  await expectError(
    '/login',
    post(truncated, { 'content-type': 'multipart/form-data; boundary=X' }),
    400,
    'bad_request',
  );
});

/** Conversations stored so far: each new generation stores one. */
async function conversationCount(): Promise<number> {
  const row = await gateway.services.db
    .selectFrom('conversations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

test('HEAD on a stream route is answered like GET, without starting a generation', async () => {
  const before = await conversationCount();
  const head = await fetch(`${gateway.url}/api/v1/stream/chat?q=just+looking`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.match(head.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.equal(head.headers.get('cache-control'), 'no-cache, no-transform');
  assert.equal(head.headers.get('x-accel-buffering'), 'no');
  assert.equal(await head.text(), '');
  assert.equal(await conversationCount(), before, 'no conversation stored');
  assert.equal(gateway.services.engine.runningCount, 0, 'no generation running');
  // The same checks as GET: a missing question, an unknown model, an unknown stream.
  const missing = await fetch(`${gateway.url}/api/v1/stream/chat`, { method: 'HEAD' });
  assert.equal(missing.status, 400);
  const model = await fetch(`${gateway.url}/api/v1/stream/chat?q=hi&model=gpt-nope`, { method: 'HEAD' });
  assert.equal(model.status, 400);
  const unknown = '01a20000-0000-7000-8000-000000000000';
  assert.equal((await fetch(`${gateway.url}/api/v1/streams/${unknown}`, { method: 'HEAD' })).status, 404);
  const resumeUnknown = await fetch(`${gateway.url}/api/v1/stream/chat`, {
    method: 'HEAD',
    headers: { 'last-event-id': `${unknown}:3` },
  });
  assert.equal(resumeUnknown.status, 404);
});

test('HEAD on a live stream answers at once with the stream headers and attaches no reader', async () => {
  const slow = await startTestGateway({ DEMO_TOKENS_PER_SEC: '2' });
  try {
    const { events } = await collectSSE(`${slow.url}/api/v1/stream/chat?q=head+of+a+live+stream`, {
      until: (e) => e.event === 'delta',
    });
    const id = events[0]!.streamId!;
    const resumes = async () => {
      const text = await (await fetch(`${slow.url}/metrics`)).text();
      return Number(/tidewire_sse_connections_total\{kind="resume"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const resumesBefore = await resumes();
    // Without an answer at once these would wait for the whole answer (minutes at 2 tokens/s).
    const head = await fetch(`${slow.url}/api/v1/streams/${id}?after=1`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.match(head.headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(await head.text(), '');
    const resume = await fetch(`${slow.url}/api/v1/stream/chat`, {
      method: 'HEAD',
      headers: { 'last-event-id': `${id}:1` },
    });
    assert.equal(resume.status, 200);
    assert.equal(await resume.text(), '');
    const bad = await fetch(`${slow.url}/api/v1/streams/${id}?after=x`, { method: 'HEAD' });
    assert.equal(bad.status, 400);
    assert.equal(slow.services.engine.runningCount, 1, 'still the one generation');
    assert.equal(await resumes(), resumesBefore, 'no SSE connection was opened for a HEAD');
    await fetch(`${slow.url}/api/v1/streams/${id}/cancel`, { method: 'POST' });
  } finally {
    await slow.shutdown();
  }
});
