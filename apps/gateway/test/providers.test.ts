/**
 * Real providers end to end through the gateway, against fake upstreams that speak the
 * OpenAI Chat Completions and Anthropic Messages streaming formats: answers, usage, finish
 * reasons, follow-ups with history, cancel reaching the upstream, and every failure ending the
 * stream with a typed error and `done {reason: "error"}`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeAnthropic } from '../../../testing/fake-anthropic.ts';
import { startFakeOpenAI } from '../../../testing/fake-openai.ts';
import type { FakeUpstream } from '../../../testing/fake-upstream.ts';
import { startTestGateway } from '../../../testing/gateway.ts';
import { answerOf, collectSSE, doneReason, errorType } from '../../../testing/sse-client.ts';
import { ConfigError } from '../src/config.ts';
import type { Gateway } from '../src/server.ts';

const PROVIDERS = [
  { name: 'openai', start: startFakeOpenAI },
  { name: 'anthropic', start: startFakeAnthropic },
] as const;

for (const provider of PROVIDERS) {
  describe(`LLM_PROVIDER=${provider.name}`, () => {
    let fake: FakeUpstream;
    let gateway: Gateway;
    before(async () => {
      fake = await provider.start();
      gateway = await startTestGateway({
        LLM_PROVIDER: provider.name,
        LLM_BASE_URL: `${fake.url}/v1`,
        LLM_MODEL: 'fake-model',
        LLM_API_KEY: 'sk-test-secret',
        LLM_FIRST_TOKEN_TIMEOUT_MS: '400',
        LLM_IDLE_TIMEOUT_MS: '400',
      });
    });
    after(async () => {
      await gateway.shutdown();
      await fake.close();
    });

    const chat = (q: string, extra = '') =>
      collectSSE(`${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}${extra}`);

    test('streams the answer as deltas, multi-byte text intact, with real usage and finish reason', async () => {
      const { events } = await chat('Hi');
      assert.equal(answerOf(events), 'Hello from the fake model. مرحبا 👩🏽‍💻');
      const hello = events[0]!;
      assert.ok(hello.event === 'hello' && hello.data.model === 'fake-model');
      const metadata = events.find((e) => e.event === 'metadata')!;
      assert.ok(
        metadata.event === 'metadata' &&
          metadata.data.tokens_used === 7 &&
          metadata.data.model_used === 'fake-model',
      );
      assert.deepEqual(events.at(-1)?.data, { reason: 'stop', tokens: 7 });
      const sent = fake.requests.at(-1)!;
      assert.equal(sent.body.stream, true);
      if (provider.name === 'openai') {
        assert.deepEqual(sent.body.stream_options, { include_usage: true }, 'asks for real usage');
        assert.equal('max_tokens' in sent.body, false, 'OpenAI reasoning models refuse max_tokens');
      } else {
        assert.equal(sent.body.max_tokens, 4096, 'Anthropic requires a cap');
      }
      assert.match(String(sent.headers.authorization ?? sent.headers['x-api-key']), /sk-test-secret/);
    });

    test('a length finish maps to done.reason "length"', async () => {
      fake.queue.push({ kind: 'answer', tokens: ['cut', ' short'], finish: 'length' });
      const { events } = await chat('long please');
      assert.equal(doneReason(events), 'length');
    });

    test('a slow first token within the timeout is fine', async () => {
      fake.queue.push({ kind: 'answer', tokens: ['late', ' but', ' fine'], firstTokenDelayMs: 150 });
      const { events } = await chat('slow start');
      assert.equal(answerOf(events), 'late but fine');
    });

    test('a follow-up in the same conversation sends the earlier turns to the model', async () => {
      const first = await chat('My name is Ada.');
      const conversation = (first.events[0] as { data: { conversation_id: string } }).data.conversation_id;
      await chat('What is my name?', `&conversation_id=${conversation}`);
      const body = fake.requests.at(-1)!.body;
      const messages = body.messages as { role: string; content: unknown }[];
      const text = (c: unknown) =>
        typeof c === 'string' ? c : (c as { text: string }[]).map((p) => p.text).join('');
      assert.deepEqual(
        messages.map((m) => [m.role, text(m.content)]),
        [
          ['user', 'My name is Ada.'],
          ['assistant', 'Hello from the fake model. مرحبا 👩🏽‍💻'],
          ['user', 'What is my name?'],
        ],
      );
    });

    test('cancel aborts the upstream request', async () => {
      fake.queue.push({
        kind: 'answer',
        tokens: Array.from({ length: 200 }, (_, i) => ` t${i}`),
        tokenDelayMs: 20,
      });
      const started = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=cancel`, {
        until: (e) => e.event === 'delta',
      });
      const upstream = fake.requests.at(-1)!;
      await fetch(`${gateway.url}/api/v1/streams/${started.events[0]!.streamId}/cancel`, { method: 'POST' });
      const rest = await collectSSE(`${gateway.url}/api/v1/streams/${started.events[0]!.streamId}`);
      assert.equal(doneReason(rest.events), 'cancelled');
      for (let i = 0; i < 50 && !upstream.aborted; i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(upstream.aborted, 'the upstream saw its connection close');
    });

    const failures: [string, Parameters<FakeUpstream['queue']['push']>[0], string][] = [
      ['401', { kind: 'status', status: 401 }, 'upstream_auth'],
      ['429', { kind: 'status', status: 429, retryAfter: '7' }, 'upstream_rate_limited'],
      ['500', { kind: 'status', status: 500 }, 'upstream_error'],
      ['503', { kind: 'status', status: 503 }, 'upstream_error'],
      ['a stream cut mid-answer', { kind: 'cut', tokens: ['a', ' b', ' c', ' d'] }, 'upstream_error'],
      [
        'an error event mid-stream',
        { kind: 'error-event', tokens: ['a', ' b', ' c', ' d'] },
        'upstream_error',
      ],
      ['no first token within the timeout', { kind: 'silent' }, 'upstream_timeout'],
      ['a stall mid-answer', { kind: 'stall', tokens: ['a', ' b', ' c', ' d'] }, 'upstream_timeout'],
    ];
    for (const [what, scenario, type] of failures) {
      test(`${what}: error ${type}, then done {reason: "error"}`, async () => {
        fake.queue.push(scenario);
        const { events, ended } = await chat(`fail: ${what}`);
        assert.ok(ended, 'the stream ended, no hang');
        assert.equal(errorType(events), type);
        assert.equal(events.at(-2)?.event, 'error', 'the error comes just before done');
        assert.equal(doneReason(events), 'error');
        // The mid-answer failures come after the first half of the tokens reached the reader.
        assert.equal(answerOf(events), 'tokens' in scenario ? 'a b' : '');
        assert.ok(!JSON.stringify(events).includes('sk-test-secret'), 'the key never leaks');
      });
    }

    test('an answer that failed mid-way is stored as far as it went, marked incomplete', async () => {
      fake.queue.push({ kind: 'cut', tokens: ['Half', ' an', ' answer', ' here'] });
      const { events } = await chat('cut me off');
      assert.equal(errorType(events), 'upstream_error');
      const hello = events[0]!;
      assert.ok(hello.event === 'hello');
      const res = await fetch(`${gateway.url}/api/v1/conversations/${hello.data.conversation_id}`);
      const { messages } = (await res.json()) as {
        messages: { role: string; content: string; complete: boolean }[];
      };
      assert.deepEqual(
        messages.map((m) => [m.role, m.content, m.complete]),
        [
          ['user', 'cut me off', true],
          ['assistant', 'Half an', false],
        ],
      );
      assert.equal(answerOf(events), 'Half an');
    });

    test('connection refused: error upstream_unavailable', async () => {
      const dead = await startTestGateway({
        LLM_PROVIDER: provider.name,
        LLM_BASE_URL: 'http://127.0.0.1:1/v1',
        LLM_MODEL: 'fake-model',
        LLM_API_KEY: 'k',
      });
      try {
        const { events } = await collectSSE(`${dead.url}/api/v1/stream/chat?q=anyone`);
        assert.equal(errorType(events), 'upstream_unavailable');
        assert.equal(doneReason(events), 'error');
      } finally {
        await dead.shutdown();
      }
    });

    test('a missing LLM_MODEL stops the start with a configuration error', async () => {
      await assert.rejects(
        startTestGateway({ LLM_PROVIDER: provider.name, LLM_BASE_URL: `${fake.url}/v1` }),
        (error: Error) => error instanceof ConfigError && /LLM_MODEL/.test(error.message),
      );
    });

    test('the demo model stays available by name', async () => {
      const { events } = await chat('demo please', '&model=demo');
      assert.equal((events[0]!.data as { model: string }).model, 'demo');
    });
  });
}
