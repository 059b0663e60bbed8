/**
 * The fake upstreams' rich answers are what the real APIs send: the official `openai` and
 * `@anthropic-ai/sdk` clients parse them into reasoning, text, a citation and a tool call with
 * its whole arguments.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeAnthropic } from '../../../testing/fake-anthropic.ts';
import { startFakeOpenAI } from '../../../testing/fake-openai.ts';
import type { FakeUpstream } from '../../../testing/fake-upstream.ts';
import { RICH_ANSWER, RICH_ARGUMENTS } from '../../../testing/rich-scenario.ts';

let openai: FakeUpstream;
let anthropic: FakeUpstream;
before(async () => {
  openai = await startFakeOpenAI();
  anthropic = await startFakeAnthropic();
});
after(async () => {
  await openai.close();
  await anthropic.close();
});

test('openai: reasoning_content, text and a tool call whose arguments arrive in many chunks', async () => {
  openai.queue.push({ kind: 'rich', ...RICH_ANSWER });
  const client = new OpenAI({ baseURL: `${openai.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: 'fake-model',
    messages: [{ role: 'user', content: 'Tides tomorrow?' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let reasoning = '';
  let text = '';
  let argumentChunks = 0;
  const call = { id: '', name: '', arguments: '' };
  let finish: string | null = null;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    const delta = choice.delta as typeof choice.delta & { reasoning_content?: string | null };
    reasoning += delta.reasoning_content ?? '';
    text += delta.content ?? '';
    for (const piece of delta.tool_calls ?? []) {
      call.id ||= piece.id ?? '';
      call.name ||= piece.function?.name ?? '';
      if (piece.function?.arguments) argumentChunks++;
      call.arguments += piece.function?.arguments ?? '';
    }
    finish = choice.finish_reason ?? finish;
  }
  assert.equal(reasoning, RICH_ANSWER.reasoning.join(''));
  assert.equal(text, RICH_ANSWER.tokens.join(''));
  assert.deepEqual(call, { id: 'call_tides_1', name: 'tide_times', arguments: RICH_ARGUMENTS });
  assert.ok(argumentChunks > 5, 'the arguments came in many chunks');
  assert.equal(finish, 'tool_calls');
});

test('anthropic: a thinking block, text with a web citation, and tool_use with streamed JSON input', async () => {
  anthropic.queue.push({ kind: 'rich', ...RICH_ANSWER });
  const client = new Anthropic({ baseURL: anthropic.url, apiKey: 'sk-ant-test', maxRetries: 0 });
  const stream = client.messages.stream({
    model: 'fake-model',
    max_tokens: 1024,
    messages: [{ role: 'user', content: 'Tides tomorrow?' }],
  });
  const message = await stream.finalMessage();
  const [thinking, text, toolUse] = message.content;
  assert.ok(thinking?.type === 'thinking');
  assert.equal(thinking.thinking, RICH_ANSWER.reasoning.join(''));
  assert.ok(text?.type === 'text');
  assert.equal(text.text, RICH_ANSWER.tokens.join(''));
  const citation = text.citations?.[0];
  assert.ok(citation?.type === 'web_search_result_location');
  assert.equal(citation.url, RICH_ANSWER.citation!.url);
  assert.ok(toolUse?.type === 'tool_use');
  assert.deepEqual(
    { id: toolUse.id, name: toolUse.name, input: toolUse.input },
    { id: 'call_tides_1', name: 'tide_times', input: JSON.parse(RICH_ARGUMENTS) },
  );
  assert.equal(message.stop_reason, 'tool_use');
});
