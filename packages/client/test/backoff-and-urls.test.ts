/**
 * The pure parts of the consumer: full-jitter backoff bounds, `Retry-After` parsing, and
 * where a stream is resumed (path prefixes kept, the seed's admin endpoint mapped).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, retryAfterMs, streamUrlAt, streamUrlOf } from '../src/index.ts';

test('backoff: full jitter between 0 and the capped exponential', () => {
  assert.equal(
    backoffDelay(1, 500, 15_000, () => 0),
    0,
  );
  assert.equal(
    backoffDelay(1, 500, 15_000, () => 1),
    500,
  );
  assert.equal(
    backoffDelay(2, 500, 15_000, () => 1),
    1000,
  );
  assert.equal(
    backoffDelay(4, 500, 15_000, () => 0.5),
    2000,
  );
  assert.equal(
    backoffDelay(10, 500, 15_000, () => 1),
    15_000,
  );
  assert.equal(
    backoffDelay(5000, 500, 15_000, () => 1),
    15_000,
    'no overflow to Infinity or NaN',
  );
  for (let attempt = 1; attempt < 20; attempt++) {
    const delay = backoffDelay(attempt, 500, 15_000);
    assert.ok(delay >= 0 && delay <= Math.min(15_000, 500 * 2 ** (attempt - 1)), `${attempt}: ${delay}`);
  }
});

test('Retry-After: seconds, an HTTP date, or nothing usable', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');
  assert.equal(retryAfterMs('3', now), 3000);
  assert.equal(retryAfterMs('0', now), 0);
  assert.equal(retryAfterMs('Tue, 24 Nov 2026 12:00:05 GMT', now), 5000);
  assert.equal(retryAfterMs('Tue, 24 Nov 2026 11:00:00 GMT', now), 0, 'a past date means now');
  assert.equal(retryAfterMs('soon', now), undefined);
  assert.equal(retryAfterMs('-1', now), undefined);
  assert.equal(retryAfterMs(null, now), undefined);
});

test('the stream URL keeps the server and its path prefix', () => {
  const id = '01a20000-0000-7000-8000-000000000000';
  const cases: [string, string][] = [
    ['http://127.0.0.1:5000/api/v1/stream/chat?q=hi', 'http://127.0.0.1:5000/api/v1/streams/'],
    ['https://example.com/chat/api/v1/stream/chat', 'https://example.com/chat/api/v1/streams/'],
    ['https://example.com/admin/api/chat/stream', 'https://example.com/api/v1/streams/'],
    ['https://example.com/x/api/v1/streams/other?after=3', 'https://example.com/x/api/v1/streams/'],
    ['https://example.com/elsewhere', 'https://example.com/api/v1/streams/'],
  ];
  for (const [start, expected] of cases) assert.equal(streamUrlOf(start, id), expected + id, start);
  assert.equal(
    streamUrlOf('/api/v1/stream/chat', id, 'https://page.example/c/1'),
    `https://page.example/api/v1/streams/${id}`,
  );
  assert.equal(streamUrlAt('http://h:1', id), `http://h:1/api/v1/streams/${id}`);
  assert.equal(streamUrlAt('http://h:1/prefix', id), `http://h:1/prefix/api/v1/streams/${id}`);
});
