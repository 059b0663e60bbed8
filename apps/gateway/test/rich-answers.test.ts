/**
 * Rich answers through the gateway, for OpenAI-compatible and Anthropic upstreams (fakes that
 * speak their wire formats) and the demo model: reasoning, text, citations and tool calls
 * (arguments as they stream, then whole) arrive as their contract events in order; a client's
 * tool ends the answer with `done {reason: "tool_calls"}` and its result continues the
 * conversation; the demo's tools run in the gateway; resuming after every sequence number
 * gives exactly the rest; reopening the conversation shows every part.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StreamEvent } from '@tidewire/protocol';
import { startFakeAnthropic } from '../../../testing/fake-anthropic.ts';
import { startFakeOpenAI } from '../../../testing/fake-openai.ts';
import type { FakeUpstream } from '../../../testing/fake-upstream.ts';
import { startTestGateway } from '../../../testing/gateway.ts';
import { RICH_ANSWER, RICH_ARGUMENTS, TIDE_TOOL } from '../../../testing/rich-scenario.ts';
import { answerOf, collectSSE, doneReason } from '../../../testing/sse-client.ts';
import { tokensFrom } from '../src/models/demo-answer.ts';
import { demoReasoning, demoToolCall } from '../src/models/demo-tools.ts';
import type { Gateway } from '../src/server.ts';

const post = (url: string, body: unknown) =>
  collectSSE(`${url}/api/v1/stream/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const joined = (events: StreamEvent[], name: 'reasoning' | 'tool_input_delta') =>
  events.flatMap((e) => (e.event === name ? [e.data.text] : [])).join('');

/** The event names in order, runs of one name collapsed: `reasoning delta tool_call …`. */
const shape = (events: StreamEvent[]) =>
  events.map((e) => e.event).filter((name, i, all) => name !== all[i - 1]);

async function conversationOf(gateway: Gateway, events: StreamEvent[]) {
  const hello = events[0]!;
  assert.ok(hello.event === 'hello');
  const res = await fetch(`${gateway.url}/api/v1/conversations/${hello.data.conversation_id}`);
  return (await res.json()) as { messages: { role: string; content: string; parts?: { type: string }[] }[] };
}

/** Resumes `streamId` after every sequence number and checks each rest is exactly the tail. */
async function assertEveryResumeExact(gateway: Gateway, whole: { raw: string; events: StreamEvent[] }) {
  const frames = whole.raw.split(/(?<=\n\n)/).filter((f) => f.startsWith('id: '));
  const streamId = whole.events[0]!.streamId!;
  for (let seq = 0; seq < frames.length; seq++) {
    const rest = await collectSSE(`${gateway.url}/api/v1/streams/${streamId}?after=${seq}`);
    assert.equal(rest.raw, frames.slice(seq).join(''), `resume after ${seq}`);
  }
}

const PROVIDERS = [
  { name: 'openai', start: startFakeOpenAI },
  { name: 'anthropic', start: startFakeAnthropic },
] as const;

for (const provider of PROVIDERS) {
  describe(`rich answers, LLM_PROVIDER=${provider.name}`, () => {
    let fake: FakeUpstream;
    let gateway: Gateway;
    before(async () => {
      fake = await provider.start();
      gateway = await startTestGateway({
        LLM_PROVIDER: provider.name,
        LLM_BASE_URL: `${fake.url}/v1`,
        LLM_MODEL: 'fake-model',
        LLM_API_KEY: 'sk-test',
      });
    });
    after(async () => {
      await gateway.shutdown();
      await fake.close();
    });

    test('reasoning, text, citation and a client tool call arrive in order; done says tool_calls', async () => {
      fake.queue.push({ kind: 'rich', ...RICH_ANSWER });
      const whole = await post(gateway.url, { q: 'Tides tomorrow?', tools: [TIDE_TOOL] });
      const { events } = whole;
      const citation = provider.name === 'anthropic' ? ['source'] : [];
      assert.deepEqual(shape(events), [
        'hello',
        'start',
        'conversation',
        'reasoning',
        'delta',
        ...citation,
        'tool_input_delta',
        'tool_call',
        'metadata',
        'done',
      ]);
      assert.equal(joined(events, 'reasoning'), RICH_ANSWER.reasoning.join(''));
      assert.equal(answerOf(events), RICH_ANSWER.tokens.join(''));
      assert.equal(joined(events, 'tool_input_delta'), RICH_ARGUMENTS);
      assert.ok(events.filter((e) => e.event === 'tool_input_delta').length > 5, 'arguments as they stream');
      const call = events.find((e) => e.event === 'tool_call');
      assert.deepEqual(call?.data, {
        id: 'call_tides_1',
        name: 'tide_times',
        input: JSON.parse(RICH_ARGUMENTS),
      });
      if (provider.name === 'anthropic') {
        const source = events.find((e) => e.event === 'source');
        assert.deepEqual(source?.data, {
          id: RICH_ANSWER.citation!.url,
          url: RICH_ANSWER.citation!.url,
          title: RICH_ANSWER.citation!.title,
        });
      }
      assert.equal(doneReason(events), 'tool_calls');
      const sent = fake.requests.at(-1)!.body.tools as Record<string, unknown>[];
      const name = provider.name === 'openai' ? (sent[0]!.function as { name: string }).name : sent[0]!.name;
      assert.equal(name, 'tide_times', 'the client tool reached the upstream');
      await assertEveryResumeExact(gateway, whole);
    });

    test("the client's tool result continues the conversation, and reopening it shows every part", async () => {
      fake.queue.push({ kind: 'rich', ...RICH_ANSWER });
      const first = await post(gateway.url, { q: 'Tides tomorrow?', tools: [TIDE_TOOL] });
      const hello = first.events[0]!;
      assert.ok(hello.event === 'hello');
      fake.queue.push({ kind: 'answer', tokens: ['High', ' tide', ' at', ' 06:12.'] });
      const result = { role: 'tool', tool_call_id: 'call_tides_1', content: '{"high":"06:12"}' };
      const second = await post(gateway.url, {
        conversation_id: hello.data.conversation_id,
        messages: [result],
        tools: [TIDE_TOOL],
      });
      assert.equal(answerOf(second.events), 'High tide at 06:12.');
      const upstream = fake.requests.at(-1)!.body.messages as Record<string, unknown>[];
      const text = JSON.stringify(upstream);
      assert.ok(
        text.includes('call_tides_1') && text.includes('06:12'),
        'the call and its result reached the model',
      );
      const { messages } = await conversationOf(gateway, first.events);
      assert.deepEqual(
        messages.map((m) => [m.role, m.parts?.map((p) => p.type)]),
        [
          ['user', undefined],
          [
            'assistant',
            [
              'reasoning',
              'text',
              ...(provider.name === 'anthropic' ? ['source'] : []),
              'tool_call',
              'tool_result',
            ],
          ],
          ['assistant', undefined],
        ],
      );
    });
  });
}

describe('the demo model', () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startTestGateway();
  });
  after(() => gateway.shutdown());

  test('reasons, calls the calculate tool the gateway runs, and answers with its result', async () => {
    const whole = await collectSSE(
      `${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent('what is 12*7')}`,
    );
    const { events } = whole;
    assert.deepEqual(shape(events), [
      'hello',
      'start',
      'conversation',
      'reasoning',
      'tool_input_delta',
      'tool_call',
      'tool_result',
      'delta',
      'metadata',
      'done',
    ]);
    assert.equal(joined(events, 'tool_input_delta'), '{"expression":"12*7"}');
    const result = events.find((e) => e.event === 'tool_result');
    assert.ok(result?.event === 'tool_result');
    assert.deepEqual(result.data.output, { expression: '12*7', value: 84 });
    assert.equal(result.data.is_error, false);
    assert.match(answerOf(events), /12\*7 = 84/);
    assert.equal(doneReason(events), 'stop');
    await assertEveryResumeExact(gateway, whole);
    const { messages } = await conversationOf(gateway, events);
    assert.deepEqual(
      messages.at(-1)?.parts?.map((p) => p.type),
      ['reasoning', 'tool_call', 'tool_result', 'text'],
    );
  });

  test('a calculation the tool cannot do comes back as an error result the answer reports', async () => {
    const { events } = await collectSSE(
      `${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent('what is 1/0')}`,
    );
    const result = events.find((e) => e.event === 'tool_result');
    assert.ok(result?.event === 'tool_result' && result.data.is_error);
    assert.deepEqual(result.data.output, { type: 'division_by_zero', message: 'division by zero' });
    assert.match(answerOf(events), /could not answer: division by zero/);
  });

  test('asks the time tool for the time, and cites its format with a picture of the clock', async () => {
    const { events } = await collectSSE(
      `${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent('What time is it?')}`,
    );
    assert.deepEqual(shape(events).slice(3), [
      'reasoning',
      'tool_input_delta',
      'tool_call',
      'tool_result',
      'delta',
      'source',
      'file',
      'metadata',
      'done',
    ]);
    const result = events.find((e) => e.event === 'tool_result');
    assert.ok(result?.event === 'tool_result' && result.data.name === 'time');
    const { iso } = result.data.output as { iso: string };
    assert.ok(answerOf(events).includes(iso));
    const source = events.find((e) => e.event === 'source');
    assert.ok(source?.event === 'source' && source.data.url === 'https://www.rfc-editor.org/rfc/rfc3339');
    const file = events.find((e) => e.event === 'file');
    assert.ok(file?.event === 'file' && file.data.media_type === 'image/svg+xml');
    const svg = Buffer.from(file.data.url.replace(/^data:image\/svg\+xml;base64,/, ''), 'base64').toString();
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>$/);
  });

  test('an ordinary question: reasoning first, then the same demo text as ever', async () => {
    const { events } = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=Hello`);
    assert.deepEqual(shape(events), [
      'hello',
      'start',
      'conversation',
      'reasoning',
      'delta',
      'metadata',
      'done',
    ]);
    assert.equal(joined(events, 'reasoning'), 'The user asks “Hello”. I will answer with the demo text.');
  });

  test('reasoning tokens are coalesced like text; its end says how long the model thought, and the conversation keeps it', async () => {
    const question = 'Why is the sea salty?';
    const { events } = await collectSSE(
      `${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent(question)}`,
    );
    const reasoning = events.flatMap((e) => (e.event === 'reasoning' ? [e.data] : []));
    const whole = demoReasoning(question, demoToolCall(question));
    assert.equal(reasoning.map((r) => r.text).join(''), whole);
    assert.ok(reasoning.length < [...tokensFrom(whole)].length, 'fewer events than tokens');
    const end = reasoning.at(-1)!;
    assert.equal(end.text, '', 'the end of the reasoning adds no text');
    assert.ok(Number.isInteger(end.thought_ms) && end.thought_ms! >= 0, JSON.stringify(end));
    assert.equal(reasoning.filter((r) => r.thought_ms !== undefined).length, 1, 'one end');
    const { messages } = await conversationOf(gateway, events);
    assert.deepEqual(messages.at(-1)?.parts?.[0], {
      type: 'reasoning',
      text: whole,
      thought_ms: end.thought_ms,
    });
  });

  describe('bad tool input is refused with a clear error', () => {
    const cases: [string, unknown][] = [
      ['a tool without a name', { q: 'x', tools: [{ type: 'function', function: {} }] }],
      ['a tool name with spaces', { q: 'x', tools: [{ type: 'function', function: { name: 'two words' } }] }],
      [
        'a tool message without tool_call_id',
        {
          messages: [
            { role: 'user', content: 'q' },
            { role: 'tool', content: '1' },
          ],
        },
      ],
      [
        'an assistant tool call without arguments',
        {
          messages: [
            { role: 'assistant', content: null, tool_calls: [{ id: 'c', function: { name: 'f' } }] },
            { role: 'user', content: 'q' },
          ],
        },
      ],
    ];
    for (const [what, body] of cases) {
      test(what, async () => {
        const res = await fetch(`${gateway.url}/api/v1/stream/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        assert.equal(res.status, 400);
        const { error } = (await res.json()) as { error: { type: string; message: string } };
        assert.equal(error.type, 'bad_request');
        assert.match(error.message, /^invalid request: (tools|messages)\./);
      });
    }
  });
});
