/**
 * The demo model's parts, in order: its reasoning, then its answer (or a tool call), then
 * `finish` counting the tokens it paced. A takeover's continuation gets the reasoning again
 * (unpaced where the reader has it) and the text after what was sent; a cancelled answer
 * ends without `finish`, at once when it was waiting for its next token.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnswerSoFar } from '../src/answer-so-far.ts';
import { DemoModel } from '../src/models/demo.ts';
import { cachedDemoAnswer, tokenize } from '../src/models/demo-answer.ts';
import { demoReasoning, demoToolCall } from '../src/models/demo-tools.ts';
import type { ModelPart, ModelRequest } from '../src/models/provider.ts';

const question = 'Hello there';
const ask = (q: string) => [{ role: 'user' as const, content: q }];

async function partsOf(
  request: Omit<ModelRequest, 'signal'>,
  signal = new AbortController().signal,
  model = new DemoModel(0),
) {
  const parts: ModelPart[] = [];
  for await (const part of model.stream({ ...request, signal })) parts.push(part);
  return parts;
}
const textOf = (parts: ModelPart[], type: 'text' | 'reasoning') =>
  parts.map((p) => (p.type === type ? p.text : '')).join('');

test('an answer is its reasoning, then its text, then finish with every token counted', async () => {
  const parts = await partsOf({ messages: ask(question) });
  const reasoning = demoReasoning(question, undefined);
  const answer = cachedDemoAnswer(question);
  assert.equal(textOf(parts, 'reasoning'), reasoning);
  assert.equal(textOf(parts, 'text'), answer);
  const count = tokenize(reasoning).length + tokenize(answer).length;
  assert.deepEqual(parts.at(-1), { type: 'finish', reason: 'stop', usage: { outputTokens: count } });
  assert.equal(parts.length, count + 1);
  // The reasoning comes first, whole.
  assert.equal(
    parts.findIndex((p) => p.type === 'text'),
    tokenize(reasoning).length,
  );
});

test('a continuation gives the reasoning again, the reader has unpaced, and the text after what was sent', async () => {
  const reasoning = tokenize(demoReasoning(question, undefined));
  const answer = tokenize(cachedDemoAnswer(question));
  const sent = AnswerSoFar.of([
    { type: 'reasoning', text: reasoning.join('') },
    { type: 'text', text: answer.slice(0, 5).join('') },
  ]);
  const parts = await partsOf({ messages: ask(question), sent, continueFrom: sent.text });
  assert.equal(textOf(parts, 'reasoning'), reasoning.join(''));
  assert.equal(textOf(parts, 'text'), answer.slice(5).join(''));
  const finish = parts.at(-1);
  assert.deepEqual(finish, { type: 'finish', reason: 'stop', usage: { outputTokens: answer.length - 5 } });
});

test('a question for a tool streams the call’s arguments, then the call, then finish tool_calls', async () => {
  const q = 'what is 12*7';
  const call = demoToolCall(q)!;
  const parts = await partsOf({ messages: ask(q) });
  const pieces = parts.filter((p) => p.type === 'tool-input-delta');
  assert.equal(pieces.map((p) => p.text).join(''), call.arguments);
  assert.deepEqual(parts.at(-2), {
    type: 'tool-call',
    id: call.id,
    name: 'calculate',
    input: { expression: '12*7' },
  });
  assert.equal(parts.at(-1)?.type, 'finish');
  assert.equal((parts.at(-1) as { reason: string }).reason, 'tool_calls');
});

test('a cancelled answer ends without finish', async () => {
  const abort = new AbortController();
  abort.abort();
  const parts = await partsOf({ messages: ask(question) }, abort.signal);
  assert.equal(
    parts.some((p) => p.type === 'finish'),
    false,
  );
});

// Bounded: an answer the abort did not wake would wait ten minutes for its next token.
for (const timerPerAnswer of [false, true]) {
  test(`a paced answer waiting for its next token ends at once when its signal aborts, without finish (${timerPerAnswer ? 'a timer of its own' : 'the pace wheel'})`, {
    timeout: 10_000,
  }, async () => {
    const abort = new AbortController();
    // One token in ten minutes: the answer waits on the pace wheel after its first token.
    const parts: ModelPart[] = [];
    const reading = (async () => {
      for await (const part of new DemoModel(1 / 600, { timerPerAnswer }).stream({
        messages: ask(question),
        signal: abort.signal,
      })) {
        parts.push(part);
        if (parts.length === 1) setImmediate(() => abort.abort());
      }
    })();
    await reading;
    assert.equal(parts.length, 1, 'the first token, then the end');
    assert.equal(
      parts.some((p) => p.type === 'finish'),
      false,
    );
  });
}

test('paced on a timer of its own (Workers), an answer has the same parts as on the pace wheel', async () => {
  const request = { messages: ask(question) };
  const onWheel = await partsOf(request, undefined, new DemoModel(2000));
  const ownTimer = await partsOf(request, undefined, new DemoModel(2000, { timerPerAnswer: true }));
  assert.deepEqual(ownTimer, onWheel);
  assert.equal(textOf(ownTimer, 'text'), cachedDemoAnswer(question));
});
