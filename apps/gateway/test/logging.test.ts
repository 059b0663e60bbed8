/**
 * Logs are JSON lines on stderr with a request id on every line of a request and the stream
 * id on every line once there is one; questions, answers, bearer tokens, passwords and
 * session cookies never appear at info level.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnGateway } from '../../../testing/gateway.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import { UserStore } from '../src/auth/users.ts';
import { openDatabase } from '../src/db/database.ts';

type LogRecord = Record<string, unknown>;

async function databaseWithUser(dir: string, name: string, password: string): Promise<string> {
  const url = `sqlite:${join(dir, 'users.db')}`;
  const db = await openDatabase(url);
  await new UserStore(db).add(name, password);
  await db.destroy();
  return url;
}

test('request and stream ids on every line; no question, answer, token, password or cookie in the logs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-logging-'));
  const password = 'pw-SECRET-correct-horse';
  const gateway = await spawnGateway({
    LOG_LEVEL: 'info',
    DEMO_TOKENS_PER_SEC: '0',
    AUTH_TOKENS: 'ada:tok-SECRET-123',
    DATABASE_URL: await databaseWithUser(dir, 'dora', password),
  });
  let cookie = '';
  try {
    const question = 'my password is hunter2-SECRET';
    const bearer = { authorization: 'Bearer tok-SECRET-123' };
    const { events } = await collectSSE(
      `${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent(question)}`,
      {
        headers: { ...bearer, 'x-request-id': 'req-abc' },
      },
    );
    const streamId = events[0]!.streamId!;
    await collectSSE(`${gateway.url}/api/v1/streams/${streamId}?after=3`, {
      headers: { ...bearer, 'x-request-id': 'req-resume' },
    });
    const login = await fetch(`${gateway.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'dora', password }),
    });
    assert.equal(login.status, 200);
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!.split('=')[1]!;
    assert.ok(cookie.length > 20);
    await fetch(`${gateway.url}/api/v1/conversations`, { headers: { cookie: `tw_session=${cookie}` } });
    await fetch(`${gateway.url}/api/v1/conversations`, {
      headers: { authorization: 'Bearer wrong-SECRET-9' },
    });
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const lines = gateway
    .stderr()
    .split('\n')
    .filter((l) => l.trim() !== '');
  const records = lines.map((l) => JSON.parse(l) as LogRecord);
  const started = records.filter((r) => r.req === 'req-abc');
  const streamId = started.find((r) => r.msg === 'stream started')?.stream;
  assert.ok(typeof streamId === 'string', 'the stream start is logged with its stream id');
  for (const msg of ['stream started', 'request', 'stream ended'])
    assert.ok(
      started.some((r) => r.msg === msg && r.stream === streamId),
      `"${msg}" carries the request and stream ids`,
    );
  const resumed = records.filter((r) => r.req === 'req-resume');
  assert.deepEqual(
    resumed.map((r) => [r.msg, r.stream]),
    [
      ['stream resumed', streamId],
      ['request', streamId],
    ],
  );
  assert.ok(
    records.filter((r) => r.msg === 'request').every((r) => typeof r.req === 'string'),
    'every request line has a request id',
  );
  const all = lines.join('\n');
  for (const secret of ['hunter2', 'SECRET', 'demo answer', 'You asked', cookie])
    assert.ok(!all.includes(secret), `"${secret}" was logged`);
});
