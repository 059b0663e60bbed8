/**
 * `resumePoint(request, {streamId})`: where a request resumes, from the `Last-Event-ID`
 * header, the `last_event_id` query or the route's stream with `after`. Malformed values are
 * a typed 400, never a guess.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resumePoint, TidewireError } from '../src/index.ts';

const ID = '0192a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b';
const get = (path: string, headers: Record<string, string> = {}) =>
  new Request(`http://app.test${path}`, { headers });

test('the Last-Event-ID header names the stream and the last event the client has', () => {
  assert.deepEqual(resumePoint(get('/jobs', { 'Last-Event-ID': `${ID}:7` })), { streamId: ID, afterSeq: 7 });
  assert.deepEqual(resumePoint(get(`/jobs/${ID}`, { 'Last-Event-ID': `${ID}:7` }), { streamId: ID }), {
    streamId: ID,
    afterSeq: 7,
  });
});

test('the last_event_id query does the same for clients that cannot send headers', () => {
  assert.deepEqual(resumePoint(get(`/jobs?last_event_id=${ID}:3`)), { streamId: ID, afterSeq: 3 });
  assert.deepEqual(resumePoint(get(`/jobs?last_event_id=${ID}:3`, { 'Last-Event-ID': `${ID}:5` })), {
    streamId: ID,
    afterSeq: 5,
  });
});

test('a stream named by the route resumes after `after`, or from its start', () => {
  assert.deepEqual(resumePoint(get(`/jobs/${ID}?after=12`), { streamId: ID }), {
    streamId: ID,
    afterSeq: 12,
    via: 'after',
  });
  assert.deepEqual(resumePoint(get(`/jobs/${ID}`), { streamId: ID }), { streamId: ID, afterSeq: 0 });
});

test('a request naming no resume point is a start: null', () => {
  assert.equal(resumePoint(get('/jobs')), null);
  assert.equal(resumePoint(get('/jobs?after=3')), null, '`after` needs a stream named by the route');
});

/** Asserts `make` throws a TidewireError of `type` with status 400. */
function assertBadRequest(make: () => unknown, type: string, label: string): void {
  assert.throws(
    make,
    (error: unknown) => TidewireError.isInstance(error) && error.type === type && error.status === 400,
    label,
  );
}

test('a malformed Last-Event-ID is a 400 invalid_last_event_id, header or query', () => {
  for (const bad of ['nocolon', `${ID}:`, `${ID}:-1`, `${ID}:1.5`, `${ID}:01`, ':4', 'a b:1', `${ID}:x`]) {
    assertBadRequest(() => resumePoint(get('/jobs', { 'Last-Event-ID': bad })), 'invalid_last_event_id', bad);
    assertBadRequest(
      () => resumePoint(get(`/jobs?last_event_id=${encodeURIComponent(bad)}`)),
      'invalid_last_event_id',
      bad,
    );
  }
});

test('a malformed `after` is a 400 invalid_after', () => {
  for (const bad of ['-1', 'x', '1.5', '1e3', '01', '99999999999999999999'])
    assertBadRequest(
      () => resumePoint(get(`/jobs/${ID}?after=${bad}`), { streamId: ID }),
      'invalid_after',
      bad,
    );
});

test('a malformed stream id in the route is a 400 bad_request', () => {
  for (const bad of ['a b', 'x'.repeat(129), 'a/b', 'a:1'])
    assertBadRequest(() => resumePoint(get('/jobs/x'), { streamId: bad }), 'bad_request', bad);
});

test('a Last-Event-ID naming another stream than the path is a 400', () => {
  assertBadRequest(
    () => resumePoint(get(`/jobs/${ID}`, { 'Last-Event-ID': 'another-stream:3' }), { streamId: ID }),
    'invalid_last_event_id',
    'header of another stream',
  );
  assertBadRequest(
    () => resumePoint(get(`/jobs/${ID}?last_event_id=another-stream:3`), { streamId: ID }),
    'invalid_last_event_id',
    'query of another stream',
  );
});
