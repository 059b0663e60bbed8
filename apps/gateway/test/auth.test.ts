/**
 * Auth: bearer tokens for API clients, users with a login page and a session cookie, CSRF on
 * cookie POSTs, streams and conversations that belong to their user, and production refusing
 * to start open.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ROOT, spawnGateway, startTestGateway } from '../../../testing/gateway.ts';
import { collectSSE, doneReason } from '../../../testing/sse-client.ts';
import { sha256 } from '../src/auth/secrets.ts';
import { UserStore } from '../src/auth/users.ts';
import { ConfigError } from '../src/config.ts';
import type { Gateway } from '../src/server.ts';

const ADA = { authorization: 'Bearer ada-token-123' };
const BOB = { authorization: 'Bearer bob-token-456' };

describe('bearer tokens', () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startTestGateway({
      AUTH_TOKENS: 'ada:ada-token-123,bob:bob-token-456',
      DEMO_TOKENS_PER_SEC: '100',
    });
  });
  after(() => gateway.shutdown());

  test('no token or a wrong one is 401; /healthz stays open', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer nope-nope-nope' },
      { authorization: 'Basic abc' },
    ] as Record<string, string>[]) {
      const res = await fetch(`${gateway.url}/api/v1/stream/chat?q=hi`, { headers });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'unauthorized');
    }
    for (const path of ['/api/v1/conversations', '/admin/api/chat/stream']) {
      assert.equal(
        (await fetch(`${gateway.url}${path}`, { method: path.startsWith('/admin') ? 'POST' : 'GET' })).status,
        401,
        path,
      );
    }
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
    const page = await fetch(`${gateway.url}/`, { redirect: 'manual' });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), '/login');
  });

  test('a stream belongs to its user: another user gets 404 on resume, cancel and its conversation', async () => {
    const mine = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=private`, {
      headers: ADA,
      until: (e) => e.event === 'delta',
    });
    assert.equal(mine.status, 200);
    const hello = mine.events[0]!;
    assert.ok(hello.event === 'hello');
    const id = hello.streamId!;
    const conversation = hello.data.conversation_id!;
    assert.equal((await fetch(`${gateway.url}/api/v1/streams/${id}`, { headers: BOB })).status, 404);
    assert.equal(
      (await fetch(`${gateway.url}/api/v1/stream/chat`, { headers: { ...BOB, 'last-event-id': `${id}:1` } }))
        .status,
      404,
    );
    assert.equal(
      (await fetch(`${gateway.url}/api/v1/streams/${id}/cancel`, { method: 'POST', headers: BOB })).status,
      404,
    );
    assert.equal(
      (await fetch(`${gateway.url}/api/v1/conversations/${conversation}`, { headers: BOB })).status,
      404,
    );
    const hijack = await fetch(`${gateway.url}/api/v1/stream/chat`, {
      method: 'POST',
      headers: { ...BOB, 'content-type': 'application/json' },
      body: JSON.stringify({ q: 'continue her chat', conversation_id: conversation }),
    });
    assert.equal(hijack.status, 404, "no one continues another user's conversation");
    assert.equal(((await hijack.json()) as { error: { type: string } }).error.type, 'conversation_not_found');
    const bobList = (await (await fetch(`${gateway.url}/api/v1/conversations`, { headers: BOB })).json()) as {
      data: unknown[];
    };
    assert.equal(bobList.data.length, 0);
    assert.equal(
      (await fetch(`${gateway.url}/api/v1/conversations/${conversation}`, { headers: ADA })).status,
      200,
    );
    const resumed = await collectSSE(`${gateway.url}/api/v1/streams/${id}?after=1`, { headers: ADA });
    assert.equal(resumed.events.at(-1)?.event, 'done');
    assert.equal(doneReason(resumed.events), 'stop', "bob's cancel did not reach ada's stream");
  });
});

describe('users, the login page and the session cookie', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tw-auth-'));
  const database = `sqlite:${join(dir, 'users.db')}`;
  let gateway: Gateway;
  let cookie = '';

  before(async () => {
    const added = await new Promise<number | null>((resolve) => {
      const child = spawn(
        process.execPath,
        ['apps/gateway/bin/tidewire.js', 'user', 'add', 'carol', '--password-stdin'],
        {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: database },
          stdio: ['pipe', 'ignore', 'ignore'],
        },
      );
      child.stdin.end('correct horse battery\n');
      child.on('exit', resolve);
    });
    assert.equal(added, 0, 'tidewire user add');
    gateway = await startTestGateway({ DATABASE_URL: database, TRUST_PROXY: 'true' });
  });
  after(async () => {
    await gateway.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the login page is served; a wrong password is 401', async () => {
    const page = await fetch(`${gateway.url}/login`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<form method="post" action="\/login">/);
    const wrong = await fetch(`${gateway.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'carol', password: 'wrong password' }),
    });
    assert.equal(wrong.status, 401);
  });

  test('signing in sets an HttpOnly, SameSite=Lax session cookie, Secure behind TLS', async () => {
    const res = await fetch(`${gateway.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' },
      body: 'name=carol&password=correct+horse+battery',
      redirect: 'manual',
    });
    assert.equal(res.status, 303);
    const setCookie = res.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^tw_session=[A-Za-z0-9_-]{43};/);
    for (const attribute of ['HttpOnly', 'SameSite=Lax', 'Path=/', 'Secure'])
      assert.ok(setCookie.includes(attribute), attribute);
    cookie = setCookie.split(';')[0]!;
    const plain = await fetch(`${gateway.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'carol', password: 'correct horse battery' }),
    });
    assert.ok(!(plain.headers.get('set-cookie') ?? '').includes('Secure'), 'no Secure over plain HTTP');
    const page = await fetch(`${gateway.url}/`, { headers: { cookie }, redirect: 'manual' });
    assert.notEqual(page.status, 302, 'signed in: the chat page, not the login page');
  });

  test('a cookie POST from another site is refused (CSRF); from this site it streams', async () => {
    const body = JSON.stringify({ q: 'csrf?' });
    const forged = await fetch(`${gateway.url}/api/v1/stream/chat`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', origin: 'https://evil.example' },
      body,
    });
    assert.equal(forged.status, 403);
    assert.equal(((await forged.json()) as { error: { type: string } }).error.type, 'forbidden');
    const noOrigin = await fetch(`${gateway.url}/api/v1/stream/chat`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body,
    });
    assert.equal(noOrigin.status, 403);
    const same = await collectSSE(`${gateway.url}/api/v1/stream/chat`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', origin: gateway.url },
      body,
    });
    assert.equal(same.status, 200);
    assert.equal(same.events.at(-1)?.event, 'done');
  });

  test('a cookie-authenticated API call from another site is refused, even a GET; pages may be linked', async () => {
    const crossSite = { cookie, 'sec-fetch-site': 'cross-site' };
    const started = await fetch(`${gateway.url}/api/v1/stream/chat?q=bill+me`, { headers: crossSite });
    assert.equal(started.status, 403, 'a link on another site cannot start a generation');
    assert.equal(((await started.json()) as { error: { type: string } }).error.type, 'forbidden');
    const read = await fetch(`${gateway.url}/api/v1/conversations`, {
      headers: { cookie, 'sec-fetch-site': 'same-site' },
    });
    assert.equal(read.status, 403);
    const typed = await fetch(`${gateway.url}/api/v1/conversations`, {
      headers: { cookie, 'sec-fetch-site': 'none' },
    });
    assert.equal(typed.status, 200, 'a URL typed in the address bar works');
    const page = await fetch(`${gateway.url}/`, { headers: crossSite, redirect: 'manual' });
    assert.equal(page.status, 200, 'the chat page can be linked from anywhere');
  });

  test('sign-in attempts are limited per name and IP: 429 rate_limited with Retry-After', async () => {
    let status = 0;
    let res: Response | undefined;
    for (let i = 0; i < 20 && status !== 429; i++) {
      res = await fetch(`${gateway.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'mallory', password: `guess-${i}` }),
      });
      status = res.status;
      await res.body?.cancel();
    }
    assert.equal(status, 429);
    assert.ok(Number(res!.headers.get('retry-after')) >= 1);
  });

  /** A JSON sign-in from `ip` (the gateway trusts X-Forwarded-For here). */
  async function signIn(ip: string, name: string, password: string): Promise<Response> {
    const res = await fetch(`${gateway.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify({ name, password }),
    });
    await res.body?.cancel();
    return res;
  }

  test('one IP trying name after name is stopped: 429 across names, long before 60 tries', async () => {
    const ip = '203.0.113.10';
    const statuses: number[] = [];
    for (let i = 0; i < 60 && statuses.at(-1) !== 429; i++)
      statuses.push((await signIn(ip, `guess-${i}`, 'password-guess')).status);
    assert.equal(statuses.at(-1), 429, `statuses: ${statuses.join(',')}`);
    assert.ok(statuses.length <= 31, `stopped after ${statuses.length - 1} wrong names`);
    assert.ok(
      statuses.slice(0, -1).every((s) => s === 401),
      'each name was tried once: only the per-IP bound stops it',
    );
    const other = await signIn('198.51.100.20', 'carol', 'correct horse battery');
    assert.equal(other.status, 200, 'another IP is not affected');
  });

  test('a stranger failing on a name does not lock its user out from elsewhere', async () => {
    let last = 0;
    for (let i = 0; i < 15 && last !== 429; i++)
      last = (await signIn('203.0.113.66', 'carol', `not-her-password-${i}`)).status;
    assert.equal(last, 429, 'the stranger is throttled');
    const carol = await signIn('198.51.100.7', 'carol', 'correct horse battery');
    assert.equal(carol.status, 200, 'carol signs in from her own address');
  });

  test('sign-ins that succeed do not use up the bound of their IP (many users behind one address)', async () => {
    const office = '192.0.2.44';
    assert.equal((await signIn(office, 'carol', 'a typo, sorry')).status, 401);
    for (let i = 0; i < 35; i++) {
      const res = await signIn(office, 'carol', 'correct horse battery');
      assert.equal(res.status, 200, `sign-in ${i + 1} from the shared address`);
    }
  });

  test('an expired session no longer works', async () => {
    const login = await fetch(`${gateway.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'carol', password: 'correct horse battery' }),
    });
    const session = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const list = () => fetch(`${gateway.url}/api/v1/conversations`, { headers: { cookie: session } });
    assert.equal((await list()).status, 200);
    const token = session.split('=')[1]!;
    await gateway.services.db
      .updateTable('sessions')
      .set({ expires_at: Date.now() - 1 })
      .where('token_hash', '=', sha256(token).toString('hex'))
      .execute();
    assert.equal((await list()).status, 401);
  });

  test('signing out from another site is refused', async () => {
    const res = await fetch(`${gateway.url}/logout`, {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example' },
      redirect: 'manual',
    });
    assert.equal(res.status, 403);
    assert.equal((await fetch(`${gateway.url}/api/v1/conversations`, { headers: { cookie } })).status, 200);
  });

  test('after logout the cookie no longer works', async () => {
    await fetch(`${gateway.url}/logout`, {
      method: 'POST',
      headers: { cookie, origin: gateway.url },
      redirect: 'manual',
    });
    const res = await fetch(`${gateway.url}/api/v1/conversations`, { headers: { cookie } });
    assert.equal(res.status, 401);
  });

  test('a new password ends the sessions of the old one', async () => {
    const login = await fetch(`${gateway.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'carol', password: 'correct horse battery' }),
    });
    const session = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const list = () => fetch(`${gateway.url}/api/v1/conversations`, { headers: { cookie: session } });
    assert.equal((await list()).status, 200);
    await new UserStore(gateway.services.db).add('carol', 'a brand new password');
    assert.equal((await list()).status, 401);
  });
});

test('NODE_ENV=production refuses to start with auth off', async () => {
  await assert.rejects(spawnGateway({ NODE_ENV: 'production' }), (error: Error) => {
    assert.match(error.message, /exited with 2/);
    assert.match(error.message, /refuses to start with auth off/);
    return true;
  });
  const ok = await spawnGateway({ NODE_ENV: 'production', AUTH_TOKENS: 'ops:a-long-token' });
  assert.equal(await ok.stop(), 0);
});

test('NODE_ENV is read regardless of case: Production, PRODUCTION also refuse to start with auth off', async () => {
  for (const NODE_ENV of ['Production', 'PRODUCTION', ' production ']) {
    const outcome = await startTestGateway({ NODE_ENV }).then(
      async (gateway) => {
        await gateway.shutdown();
        return new Error('started with auth off');
      },
      (error: Error) => error,
    );
    assert.ok(outcome instanceof ConfigError, `${NODE_ENV}: ${outcome.message}`);
    assert.match(outcome.message, /refuses to start with auth off/);
  }
});

test('bad AUTH_TOKENS stop the start with a clear message and exit code 2', async () => {
  for (const [tokens, message] of [
    ['ops:short', /the token of "ops" is shorter than 8 characters/],
    ['a:same-token-1,b:same-token-1', /the token of "b" is given twice/],
  ] as const) {
    await assert.rejects(spawnGateway({ AUTH_TOKENS: tokens }), (error: Error) => {
      assert.match(error.message, /exited with 2/);
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /same-token-1/, 'the token itself is not printed');
      return true;
    });
  }
});
