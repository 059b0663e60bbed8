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
