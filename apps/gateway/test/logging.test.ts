/**
 * Logs are JSON lines on stderr with a request id on every line of a request and the stream
 * id on every line once there is one; questions, answers, bearer tokens, passwords and
 * session cookies never appear at info level.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
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

/** Sends a request that promises a 100-byte body, sends 10 bytes of it, and closes the socket. */
async function hangUpMidBody(
  url: string,
  path: string,
  contentType: string,
  requestId: string,
): Promise<void> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: ${contentType}\r\n` +
      `Content-Length: 100\r\nX-Request-Id: ${requestId}\r\n\r\n{"q":"cut`,
  );
  socket.destroy();
  await once(socket, 'close');
}

test('a client that hangs up mid-body is an info line saying so, not an error, and no 500 is counted', async () => {
  const gateway = await spawnGateway({ LOG_LEVEL: 'info' });
  const records = () =>
    gateway
      .stderr()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as LogRecord);
  try {
    await hangUpMidBody(gateway.url, '/api/v1/stream/chat', 'application/json', 'req-cut-json');
    await hangUpMidBody(gateway.url, '/login', 'application/x-www-form-urlencoded', 'req-cut-form');
    // The server logs each request when it gives up on it; wait for both lines (bounded).
    for (let i = 0; i < 100; i++) {
      const done = records().filter((r) => r.msg === 'request' && String(r.req).startsWith('req-cut-'));
      if (done.length === 2) break;
      await once(gateway.child.stderr!, 'data');
    }
    const cut = records().filter((r) => String(r.req).startsWith('req-cut-'));
    assert.equal(cut.filter((r) => r.msg === 'request').length, 2, 'both requests logged');
    for (const record of cut)
      assert.ok((record.level as number) <= 30, `not an error: ${JSON.stringify(record)}`);
    for (const id of ['req-cut-json', 'req-cut-form'])
      assert.ok(
        cut.some((r) => r.req === id && r.msg === 'client went away before sending its whole request'),
        `${id}: says the client went away`,
      );
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.doesNotMatch(metrics, /tidewire_request_errors_total\{type="internal_error"\}/);
  } finally {
    await gateway.stop();
  }
});
