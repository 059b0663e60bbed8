import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId } from '../src/internal.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('ids are RFC 9562 UUIDv7: version 7, variant 10, the millisecond time in the first 48 bits', () => {
  const now = 1_796_000_000_123;
  for (let i = 0; i < 1000; i++) {
    const id = newId(now);
    assert.match(id, UUID_V7);
    assert.equal(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16), now);
  }
});

test('ids stay unique across many refills of the random pool', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 20_000; i++) ids.add(newId(1));
  assert.equal(ids.size, 20_000);
});
