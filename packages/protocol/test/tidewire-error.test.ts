/**
 * TidewireError is recognised by its marker, not by `instanceof`: an error made by another
 * copy of the package (a second bundle, another realm) still counts, and nothing else does.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TidewireError } from '../src/index.ts';

test('an error from another copy of the module is recognised; look-alikes are not', async () => {
  // A query string loads the module a second time: a distinct class, as in a second bundle.
  const copy = (await import(`../src/errors.ts?copy=${Date.now()}`)) as typeof import('../src/errors.ts');
  assert.notEqual(copy.TidewireError, TidewireError);
  const foreign = new copy.TidewireError('stream_not_found', 'gone', { status: 404 });
  assert.equal(foreign instanceof TidewireError, false, 'instanceof fails across copies');
  assert.equal(TidewireError.isInstance(foreign), true);
  assert.deepEqual([foreign.type, foreign.message, foreign.status], ['stream_not_found', 'gone', 404]);

  for (const lookAlike of [new Error('x'), { type: 'not_found', message: 'x' }, null, undefined, 'error', 42])
    assert.equal(TidewireError.isInstance(lookAlike), false, String(lookAlike));
});

test('a subclass keeps the marker, its type and its cause', () => {
  class AppError extends TidewireError<'quota_exceeded'> {}
  const cause = new Error('root');
  const error = new AppError('quota_exceeded', 'no more', { cause });
  assert.equal(TidewireError.isInstance(error), true);
  assert.equal(error.type, 'quota_exceeded');
  assert.equal(error.cause, cause);
  assert.equal(error.status, undefined);
  assert.ok(error instanceof Error);
});
