/**
 * Branches, and managing conversations, over the API (in-process): a start may name the
 * message it follows (`parent_message_id`), a regenerate is a new answer to a named question,
 * the model reads only the branch it continues; conversations are renamed, deleted (their
 * running answer cancelled) and searched; `GET /api/v1/models` lists the models, and a
 * conversation remembers the one it used. Bad input gets the contract's error, one test each.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StreamEvent } from '@tidewire/protocol';
import { eventsOf, startTestApp, type TestApp } from '../../../testing/in-process.ts';
import type { ChatMeta } from '../src/chat-engine.ts';
import type { Conversation } from '../src/conversations/store.ts';
import { demoAnswer } from '../src/models/demo-answer.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp({ AUTH_TOKENS: 'alice:alice-token-1,bob:bob-token-22' });
});
after(() => t.close());

const as = (token: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
});

/** Starts a chat as `token` with this JSON body; its events once the stream ends. */
async function chat(body: object, token = 'alice-token-1'): Promise<StreamEvent[]> {
  const res = await t.request(
    '/api/v1/stream/chat',
    as(token, { method: 'POST', body: JSON.stringify(body) }),
  );
  assert.equal(res.status, 200, await res.clone().text());
  return eventsOf(res);
}

const helloOf = (events: StreamEvent[]) => {
  const hello = events[0]!;
  assert.ok(hello.event === 'hello');
  return hello.data;
};

async function conversation(id: string, token = 'alice-token-1'): Promise<Conversation> {
  const res = await t.request(`/api/v1/conversations/${id}`, as(token));
  assert.equal(res.status, 200);
  return (await res.json()) as Conversation;
}

/** What the model was asked in this stream: the messages it read. */
async function modelInput(events: StreamEvent[]): Promise<string[]> {
  const log = await t.services.engine.read(helloOf(events).stream_id);
  const meta = log!.info.meta as ChatMeta;
  return meta.request!.messages.map((m) => `${m.role}: ${m.content}`);
}

async function expectError(res: Response, status: number, type: string): Promise<void> {
  assert.equal(res.status, status);
  const body = (await res.json()) as { error: { type: string; message: string } };
  assert.equal(body.error.type, type, body.error.message);
  assert.ok(body.error.message.length > 5, 'a human message');
}

/** A conversation of alice with Q1 → A1 → Q2 → A2; the ids of those four messages. */
async function twoTurns(): Promise<{ id: string; q1: string; a1: string; q2: string; a2: string }> {
  const first = await chat({ q: 'Q1' });
  const id = helloOf(first).conversation_id!;
  await chat({ q: 'Q2', conversation_id: id });
  const [q1, a1, q2, a2] = (await conversation(id)).messages.map((m) => m.id);
  return { id, q1: q1!, a1: a1!, q2: q2!, a2: a2! };
}

describe('branches', () => {
  test('every message carries its parent_id, oldest first', async () => {
    const { id, q1, a1, q2 } = await twoTurns();
    const { messages } = await conversation(id);
    assert.deepEqual(
      messages.map((m) => [m.role, m.content, m.parent_id, m.complete]),
      [
        ['user', 'Q1', null, true],
        ['assistant', demoAnswer('Q1'), q1, true],
        ['user', 'Q2', a1, true],
        ['assistant', demoAnswer('Q2'), q2, true],
      ],
    );
  });

  test('a regenerate (parent_message_id naming a question, no q) is a sibling answer', async () => {
    const { id, q1, a1, q2, a2 } = await twoTurns();
    const events = await chat({ conversation_id: id, parent_message_id: q2 });
    assert.equal(helloOf(events).conversation_id, id);
    assert.equal(events.at(-1)?.event, 'done');
    assert.deepEqual(await modelInput(events), [`user: Q1`, `assistant: ${demoAnswer('Q1')}`, 'user: Q2']);
    const { messages } = await conversation(id);
    assert.equal(messages.length, 5, 'no new question');
    const again = messages.at(-1)!;
    assert.deepEqual([again.role, again.parent_id, again.content], ['assistant', q2, demoAnswer('Q2')]);
    assert.notEqual(again.id, a2);
    // Without conversation_id too: the parent names its conversation.
    const third = await chat({ parent_message_id: q1 });
    assert.equal(helloOf(third).conversation_id, id);
    assert.deepEqual(await modelInput(third), ['user: Q1']);
    const siblings = (await conversation(id)).messages.filter((m) => m.parent_id === q1);
    assert.deepEqual(
      siblings.map((m) => m.role),
      ['assistant', 'assistant'],
    );
    assert.ok(siblings.some((m) => m.id === a1));
  });

  test('an edited question is a new branch; the model reads only that branch', async () => {
    const { id, a1, q2 } = await twoTurns();
    const edited = await chat({ q: 'Q2 edited', conversation_id: id, parent_message_id: a1 });
    assert.deepEqual(await modelInput(edited), [
      `user: Q1`,
      `assistant: ${demoAnswer('Q1')}`,
      'user: Q2 edited',
    ]);
    const editedFirst = await chat({ q: 'Q1 edited', conversation_id: id, parent_message_id: null });
    assert.deepEqual(await modelInput(editedFirst), ['user: Q1 edited'], 'a new first question');
    // With no parent named, a question follows the newest message (the edited first one's answer).
    const followUp = await chat({ q: 'Q3', conversation_id: id });
    assert.deepEqual(await modelInput(followUp), [
      'user: Q1 edited',
      `assistant: ${demoAnswer('Q1 edited')}`,
      'user: Q3',
    ]);
    const { messages } = await conversation(id);
    const byContent = (content: string) => messages.find((m) => m.content === content)!;
    assert.equal(byContent('Q2 edited').parent_id, a1);
    assert.equal(byContent('Q2').parent_id, a1, 'the old branch stays');
    assert.equal(byContent('Q1 edited').parent_id, null);
    assert.ok(
      messages.some((m) => m.parent_id === q2),
      'the old answer stays',
    );
  });

  test('a regenerate or follow-up by GET query names its parent the same way', async () => {
    const { id, q2 } = await twoTurns();
    const res = await t.request(
      `/api/v1/stream/chat?conversation_id=${id}&parent_message_id=${q2}`,
      as('alice-token-1'),
    );
    const events = await eventsOf(res);
    assert.equal(helloOf(events).conversation_id, id);
    assert.equal((await modelInput(events)).at(-1), 'user: Q2');
  });

  test('bad parents: unknown 404, another conversation’s 400, another user’s 404, an answer 400, malformed 400', async () => {
    const { id, a1, q1 } = await twoTurns();
    const other = await twoTurns();
    const post = (body: object, token = 'alice-token-1') =>
      t.request('/api/v1/stream/chat', as(token, { method: 'POST', body: JSON.stringify(body) }));
    await expectError(
      await post({ q: 'x', conversation_id: id, parent_message_id: 'no-such-message' }),
      404,
      'message_not_found',
    );
    await expectError(
      await post({ q: 'x', conversation_id: id, parent_message_id: other.a1 }),
      400,
      'bad_request',
    );
    await expectError(
      await post({ q: 'x', parent_message_id: a1 }, 'bob-token-22'),
      404,
      'message_not_found',
    );
    await expectError(
      await post({ parent_message_id: q1, conversation_id: id }, 'bob-token-22'),
      404,
      'message_not_found',
    );
    await expectError(await post({ conversation_id: id, parent_message_id: a1 }), 400, 'missing_question');
    await expectError(
      await post({ q: 'x', conversation_id: id, parent_message_id: 'bad id!' }),
      400,
      'bad_request',
    );
    await expectError(await post({ q: 'x', conversation_id: id, parent_message_id: 42 }), 400, 'bad_request');
    await expectError(await post({ q: 'x', conversation_id: id, parent_message_id: '' }), 400, 'bad_request');
    await expectError(await post({ parent_message_id: null, conversation_id: id }), 400, 'missing_question');
    // Nothing was stored by any of them.
    assert.equal((await conversation(id)).messages.length, 4);
  });
});

describe('managing conversations', () => {
  test('rename: PATCH {title} renames it, and the list shows the new title', async () => {
    const { id } = await twoTurns();
    const res = await t.request(
      `/api/v1/conversations/${id}`,
      as('alice-token-1', { method: 'PATCH', body: '{"title":"  Tides\\nand waves "}' }),
    );
    assert.equal(res.status, 200);
    const renamed = (await res.json()) as { id: string; title: string };
    assert.deepEqual([renamed.id, renamed.title], [id, 'Tides and waves']);
    assert.equal((await conversation(id)).title, 'Tides and waves');
    const list = (await (await t.request('/api/v1/conversations', as('alice-token-1'))).json()) as {
      data: { id: string; title: string }[];
    };
    assert.equal(list.data.find((c) => c.id === id)?.title, 'Tides and waves');
  });

  test('rename: bad bodies 400, unknown or another user’s conversation 404', async () => {
    const { id } = await twoTurns();
    const patch = (body: string, token = 'alice-token-1', target = id) =>
      t.request(`/api/v1/conversations/${target}`, as(token, { method: 'PATCH', body }));
    await expectError(await patch(''), 400, 'invalid_json');
    await expectError(await patch('{"title":'), 400, 'invalid_json');
    await expectError(await patch('["title"]'), 400, 'bad_request');
    await expectError(await patch('{}'), 400, 'bad_request');
    await expectError(await patch('{"title":42}'), 400, 'bad_request');
    await expectError(await patch('{"title":"   "}'), 400, 'bad_request');
    await expectError(await patch(JSON.stringify({ title: 'x'.repeat(201) })), 400, 'bad_request');
    await expectError(await patch('{"title":"mine now"}', 'bob-token-22'), 404, 'conversation_not_found');
    await expectError(
      await patch('{"title":"x"}', 'alice-token-1', 'no-such-conversation'),
      404,
      'conversation_not_found',
    );
    assert.equal((await conversation(id)).title, 'Q1', 'unchanged');
  });

  test('delete: 204, then gone from the list and 404; another user’s or unknown 404', async () => {
    const { id } = await twoTurns();
    await expectError(
      await t.request(`/api/v1/conversations/${id}`, as('bob-token-22', { method: 'DELETE' })),
      404,
      'conversation_not_found',
    );
    const res = await t.request(`/api/v1/conversations/${id}`, as('alice-token-1', { method: 'DELETE' }));
    assert.equal(res.status, 204);
    assert.equal(await res.text(), '');
    await expectError(
      await t.request(`/api/v1/conversations/${id}`, as('alice-token-1')),
      404,
      'conversation_not_found',
    );
    const list = (await (await t.request('/api/v1/conversations?limit=100', as('alice-token-1'))).json()) as {
      data: { id: string }[];
    };
    assert.ok(!list.data.some((c) => c.id === id));
    await expectError(
      await t.request(`/api/v1/conversations/${id}`, as('alice-token-1', { method: 'DELETE' })),
      404,
      'conversation_not_found',
    );
  });

  test('delete cancels the conversation’s running answer', async () => {
    const slow = await startTestApp({ DEMO_TOKENS_PER_SEC: '20' });
    try {
      const res = await slow.request('/api/v1/stream/chat?q=a+long+answer');
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let head = '';
      while (!head.includes('event: delta')) head += (await reader.read()).value ?? '';
      const id = /"conversation_id":"([^"]+)"/.exec(head)![1]!;
      const deleted = await slow.request(`/api/v1/conversations/${id}`, { method: 'DELETE' });
      assert.equal(deleted.status, 204);
      let rest = head;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        rest += value;
      }
      assert.match(rest, /event: done\ndata: \{"reason":"cancelled"/);
      assert.equal(slow.services.engine.runningCount, 0);
      assert.equal((await slow.request(`/api/v1/conversations/${id}`)).status, 404);
    } finally {
      await slow.close();
    }
  });

  test('search: ?q= finds by a word of the title or of an answer, case-insensitively; bad q 400', async () => {
    const first = await chat({ q: 'Where do seagulls sleep?' }, 'bob-token-22');
    const id = helloOf(first).conversation_id!;
    const second = await chat({ q: 'something else entirely' }, 'bob-token-22');
    const search = async (q: string, token = 'bob-token-22') => {
      const res = await t.request(`/api/v1/conversations?q=${encodeURIComponent(q)}`, as(token));
      assert.equal(res.status, 200);
      return ((await res.json()) as { data: { id: string }[] }).data.map((c) => c.id);
    };
    assert.deepEqual(await search('SEAGULLS'), [id], 'a word of the title');
    // "Deterministically" is in every demo answer and in no question: found in both answers.
    assert.deepEqual(
      (await search('DETERMINISTICALLY')).sort(),
      [id, helloOf(second).conversation_id!].sort(),
    );
    assert.deepEqual(await search('seagulls deterministically'), [id], 'every word must appear');
    assert.deepEqual(await search('seagulls', 'alice-token-1'), [], 'only the owner’s');
    assert.deepEqual(await search('nothing-has-this-word'), []);
    await expectError(
      await t.request(`/api/v1/conversations?q=${'x'.repeat(201)}`, as('bob-token-22')),
      400,
      'bad_request',
    );
    await expectError(
      await t.request(`/api/v1/conversations?q=${'w '.repeat(11)}`, as('bob-token-22')),
      400,
      'bad_request',
    );
  });
});

describe('models', () => {
  test('GET /api/v1/models lists the models, the default first', async () => {
    const res = await t.request('/api/v1/models', as('alice-token-1'));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { data: [{ id: 'demo', provider: 'demo', default: true }] });
    const upstream = await startTestApp({
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: 'http://127.0.0.1:9/v1',
      LLM_MODEL: 'small-model',
    });
    try {
      assert.deepEqual(await (await upstream.request('/api/v1/models')).json(), {
        data: [
          { id: 'small-model', provider: 'openai', default: true },
          { id: 'demo', provider: 'demo', default: false },
        ],
      });
    } finally {
      await upstream.close();
    }
  });

  test('a conversation remembers its model: a start without `model` uses it again', async () => {
    // The default model is an upstream that is never reached: only demo can answer here.
    const upstream = await startTestApp({
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: 'http://127.0.0.1:9/v1',
      LLM_MODEL: 'small-model',
    });
    try {
      const first = await eventsOf(await upstream.request('/api/v1/stream/chat?q=hello&model=demo'));
      const id = helloOf(first).conversation_id!;
      const conversationOf = async () =>
        (await (await upstream.request(`/api/v1/conversations/${id}`)).json()) as Conversation;
      assert.equal((await conversationOf()).model, 'demo');
      const second = await eventsOf(
        await upstream.request(`/api/v1/stream/chat?q=again&conversation_id=${id}`),
      );
      assert.equal(helloOf(second).model, 'demo');
      const unknown = await upstream.request(
        `/api/v1/stream/chat?q=x&conversation_id=${id}&model=no-such-model`,
      );
      await expectError(unknown, 400, 'unknown_model');
      assert.equal((await conversationOf()).model, 'demo', 'a refused start changes nothing');
    } finally {
      await upstream.close();
    }
  });
});
