/**
 * Continuing a partial answer (a takeover by another instance) through the real provider
 * adapters, against the fake upstreams: what each provider is sent (Anthropic a trimmed
 * prefill; vLLM-style servers `continue_final_message`), which providers say they can, and
 * how the continuation joins the text the reader already has.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeAnthropic } from '../../../testing/fake-anthropic.ts';
import { startFakeOpenAI } from '../../../testing/fake-openai.ts';
import type { FakeUpstream } from '../../../testing/fake-upstream.ts';
import { loadConfig } from '../src/config.ts';
import { skipRepeatedWhitespace } from '../src/models/continuation.ts';
import type { ModelProvider, ModelRequest } from '../src/models/provider.ts';
import { createUpstreamModel } from '../src/models/upstream.ts';

const QUESTION = [{ role: 'user' as const, content: 'What is the answer?' }];

async function textOf(model: ModelProvider, request: Omit<ModelRequest, 'signal'>): Promise<string> {
  let text = '';
  for await (const part of model.stream({ ...request, signal: new AbortController().signal })) {
    if (part.type === 'text') text += part.text;
  }
  return text;
}

function modelFor(provider: string, fake: FakeUpstream, extra: Record<string, string> = {}) {
  return createUpstreamModel(
    loadConfig({
      LLM_PROVIDER: provider,
      LLM_BASE_URL: `${fake.url}/v1`,
      LLM_MODEL: 'fake-model',
      LLM_API_KEY: 'k',
      ...extra,
    }),
  );
}

const lastMessage = (fake: FakeUpstream) =>
  (fake.requests.at(-1)!.body.messages as { role: string; content: unknown }[]).at(-1)!;

describe('anthropic: continues from a prefill', () => {
  let fake: FakeUpstream;
  before(async () => {
    fake = await startFakeAnthropic();
  });
  after(() => fake.close());

  test('it can continue; the prefill is sent without its trailing whitespace, which is not repeated', async () => {
    const model = modelFor('anthropic', fake);
    assert.equal(model.canContinue, true);
    fake.queue.push({ kind: 'answer', tokens: [' 42', ', as', ' always.'] });
    const text = await textOf(model, { messages: QUESTION, continueFrom: 'The answer is ' });
    assert.deepEqual(lastMessage(fake), {
      role: 'assistant',
      content: [{ type: 'text', text: 'The answer is' }],
    });
    assert.equal(`The answer is ${text}`, 'The answer is 42, as always.');
  });

  test('a whitespace-only partial answer sends no prefill', async () => {
    const model = modelFor('anthropic', fake);
    fake.queue.push({ kind: 'answer', tokens: ['\n\n', 'Hello'] });
    const text = await textOf(model, { messages: QUESTION, continueFrom: '\n\n' });
    assert.equal(lastMessage(fake).role, 'user');
    assert.equal(text, 'Hello');
  });
});

describe('openai-compatible: continues only with LLM_CONTINUE_FINAL_MESSAGE', () => {
  let fake: FakeUpstream;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(() => fake.close());

  test('by default it cannot continue, and sends no vLLM-only parameter', async () => {
    const model = modelFor('openai', fake);
    assert.equal(model.canContinue, false);
    await textOf(model, { messages: QUESTION });
    const body = fake.requests.at(-1)!.body;
    assert.equal('continue_final_message' in body, false);
    assert.equal('add_generation_prompt' in body, false);
  });

  test('with it, the partial answer is sent whole as a final assistant message to continue', async () => {
    const model = modelFor('openai', fake, { LLM_CONTINUE_FINAL_MESSAGE: 'true' });
    assert.equal(model.canContinue, true);
    fake.queue.push({ kind: 'answer', tokens: ['42.'] });
    const text = await textOf(model, { messages: QUESTION, continueFrom: 'The answer is ' });
    const body = fake.requests.at(-1)!.body;
    assert.equal(body.continue_final_message, true);
    assert.equal(body.add_generation_prompt, false);
    assert.deepEqual(lastMessage(fake), { role: 'assistant', content: 'The answer is ' });
    assert.equal(text, '42.');
  });

  test('a fresh answer never carries the continuation parameters', async () => {
    const model = modelFor('openai', fake, { LLM_CONTINUE_FINAL_MESSAGE: 'true' });
    await textOf(model, { messages: QUESTION });
    assert.equal('continue_final_message' in fake.requests.at(-1)!.body, false);
  });
});

test('skipRepeatedWhitespace: drops what the reader has, keeps the rest', () => {
  const run = (tail: string, parts: string[]) => {
    const join = skipRepeatedWhitespace(tail);
    return parts.map(join).join('');
  };
  assert.equal(run(' ', [' world']), 'world');
  assert.equal(run(' ', [' ', ' ', 'x y ']), ' x y ');
  assert.equal(run('\n', ['\n\n', '## Next']), '\n## Next');
  assert.equal(run('\n\n', [' x']), 'x', 'other leading whitespace: the reader already has a break');
  assert.equal(run('', [' x']), ' x', 'nothing trimmed: nothing dropped');
  assert.equal(run(' ', ['a', ' b']), 'a b', 'no leading whitespace: untouched');
});
