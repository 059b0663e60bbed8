/**
 * No secret reaches a log line: a field named `authorization`, `cookie`, `password`, `token`
 * or `apiKey` — in a line's fields, one level down, or in a child logger's bindings — is
 * written as `[redacted]`; other fields are written as given, and the caller's objects are
 * left unchanged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../src/logger.ts';
import { REDACTED, redactSecrets } from '../src/logging/redact.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line: string) => lines.push(JSON.parse(line)) };
}

test('secrets in a line, one level down and in bindings are redacted; the rest is kept', () => {
  const out = capture();
  const log = createLogger('info', out);
  const fields = {
    authorization: 'Bearer abc',
    headers: { cookie: 'sid=1', accept: 'text/event-stream' },
    list: [{ token: 't' }],
    user: 'ana',
    status: 200,
  };
  log
    .child({ apiKey: 'sk-1', req: 'r1' })
    .child({ more: { token: 'tk-2' } })
    .info(fields, 'request');
  const [line] = out.lines;
  assert.equal(line!.authorization, REDACTED);
  assert.deepEqual(line!.headers, { cookie: REDACTED, accept: 'text/event-stream' });
  assert.equal(line!.apiKey, REDACTED);
  assert.equal(line!.req, 'r1');
  assert.deepEqual(line!.more, { token: REDACTED });
  assert.equal(line!.user, 'ana');
  assert.equal(line!.status, 200);
  assert.equal(line!.msg, 'request');
  // The caller's object is not changed.
  assert.equal(fields.authorization, 'Bearer abc');
  assert.equal(fields.headers.cookie, 'sid=1');
  assert.doesNotMatch(JSON.stringify(out.lines), /abc|sid=1|sk-1|tk-2/);
});

test('a line without secrets is passed on as it is, not copied', () => {
  const fields = { req: 'r1', status: 200, nested: { ms: 3 } };
  assert.equal(redactSecrets(fields), fields);
});

test('an array one level down has its secret fields redacted, in a copy', () => {
  const fields = { pairs: Object.assign(['a'], { password: 'p' }) };
  const out = redactSecrets(fields) as { pairs: string[] & { password?: string } };
  assert.equal(out.pairs.password, REDACTED);
  assert.deepEqual([...out.pairs], ['a']);
  assert.equal(fields.pairs.password, 'p');
});
