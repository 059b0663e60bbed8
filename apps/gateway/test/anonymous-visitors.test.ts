/**
 * Anonymous visitors when auth is off (in-process): the chat page gives each browser its own
 * identity in an HttpOnly cookie, its conversations and streams are its own, API clients with
 * no cookie stay the shared null user, and signing in hands the visitor's history to the user.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eventsOf, startTestApp, type TestApp } from '../../../testing/in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-anon-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PAGE = {
  get: (path: string) =>
    path === '/index.html'
      ? { body: new TextEncoder().encode('<!doctype html>page'), type: 'text/html' }
      : undefined,
};

/** Opens the chat page as a new browser; the `cookie` header that browser sends afterwards. */
async function visit(t: TestApp): Promise<string> {
  const res = await t.request('/');
  assert.equal(res.status, 200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /^tw_anon=[A-Za-z0-9_-]{22,}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
  return setCookie.split(';')[0]!;
}

async function ask(
  t: TestApp,
  q: string,
  headers: Record<string, string> = {},
): Promise<{ conversation: string; stream: string }> {
  const res = await t.request(`/api/v1/stream/chat?q=${encodeURIComponent(q)}`, { headers });
  assert.equal(res.status, 200);
  const [hello] = await eventsOf(res);
  assert.ok(hello?.event === 'hello');
  return { conversation: hello.data.conversation_id!, stream: hello.data.stream_id };
}

async function titles(t: TestApp, headers: Record<string, string> = {}): Promise<string[]> {
  const res = await t.request('/api/v1/conversations', { headers });
  assert.equal(res.status, 200);
  return ((await res.json()) as { data: { title: string }[] }).data.map((c) => c.title);
}

test('each browser sees only its own conversations and streams; API clients keep the shared history', async () => {
  const t = await startTestApp({}, { web: PAGE });
  try {
    const alice = { cookie: await visit(t) };
    const bob = { cookie: await visit(t) };
    assert.notEqual(alice.cookie, bob.cookie);
    const asked = await ask(t, 'alice asks', alice);
    await ask(t, 'bob asks', bob);
    await ask(t, 'curl asks');
    assert.deepEqual(await titles(t, alice), ['alice asks']);
    assert.deepEqual(await titles(t, bob), ['bob asks']);
    assert.deepEqual(await titles(t), ['curl asks'], 'no cookie: the shared null user, as before');
    assert.equal(
      (await t.request(`/api/v1/conversations/${asked.conversation}`, { headers: bob })).status,
      404,
    );
    assert.equal(
      (await t.request(`/api/v1/conversations/${asked.conversation}`, { headers: alice })).status,
      200,
    );
    assert.equal((await t.request(`/api/v1/streams/${asked.stream}`, { headers: bob })).status, 404);
    assert.equal((await t.request(`/api/v1/streams/${asked.stream}`, { headers: alice })).status, 200);
    const follow = await t.request(`/api/v1/stream/chat?q=x&conversation_id=${asked.conversation}`, {
      headers: bob,
    });
    assert.equal(follow.status, 404, 'nor continue it');
    // The page again: the browser keeps its identity (no new cookie).
    const again = await t.request('/', { headers: alice });
    assert.equal(again.headers.get('set-cookie'), null);
  } finally {
    await t.close();
  }
});

test('a request another site made the browser send, or a malformed cookie, is not the visitor', async () => {
  const t = await startTestApp({}, { web: PAGE });
  try {
    const visitor = { cookie: await visit(t) };
    await ask(t, 'private question', visitor);
    assert.deepEqual(await titles(t, { ...visitor, 'sec-fetch-site': 'cross-site' }), []);
    assert.deepEqual(await titles(t, { ...visitor, 'sec-fetch-site': 'same-origin' }), ['private question']);
    assert.deepEqual(await titles(t, { cookie: 'tw_anon=short' }), [], 'malformed: the null user');
    const fresh = await t.request('/', { headers: { cookie: 'tw_anon=short' } });
    assert.match(fresh.headers.get('set-cookie') ?? '', /^tw_anon=[A-Za-z0-9_-]{22,};/, 'replaced');
  } finally {
    await t.close();
  }
});

test('signing in hands the visitor’s conversations to the user and forgets the anonymous id', async () => {
  const url = `sqlite:${join(dir, 'anon.db')}`;
  const open = await startTestApp({ DATABASE_URL: url }, { web: PAGE });
  const visitor = { cookie: await visit(open) };
  await ask(open, 'asked before signing in', visitor);
  await open.close();
  // Later a user exists, so auth is on.
  const closed = await startTestApp({ DATABASE_URL: url }, { web: PAGE });
  try {
    await closed.services.auth.users.add('carol', 'a long password');
    const login = await closed.request('/login', {
      method: 'POST',
      headers: { ...visitor, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'carol', password: 'a long password' }),
    });
    assert.equal(login.status, 200);
    const cookies = login.headers.getSetCookie();
    assert.ok(
      cookies.some((c) => /^tw_anon=;.*Max-Age=0/.test(c)),
      `anonymous id forgotten: ${cookies}`,
    );
    const session = cookies.find((c) => c.startsWith('tw_session='))!.split(';')[0]!;
    assert.deepEqual(await titles(closed, { cookie: session, 'sec-fetch-site': 'same-origin' }), [
      'asked before signing in',
    ]);
  } finally {
    await closed.close();
  }
});

test('anonymous visitors are rate limited by their address, not by an id they can drop', async () => {
  const t = await startTestApp({ RATE_LIMIT_PER_MIN: '2' }, { web: PAGE });
  try {
    await ask(t, 'one', { cookie: await visit(t) });
    await ask(t, 'two', { cookie: await visit(t) });
    const third = await t.request('/api/v1/stream/chat?q=three', { headers: { cookie: await visit(t) } });
    assert.equal(third.status, 429);
  } finally {
    await t.close();
  }
});
