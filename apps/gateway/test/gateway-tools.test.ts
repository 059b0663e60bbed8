/**
 * The gateway's own tools and the loop that runs them: safe arithmetic (every bad expression
 * a typed error, nothing evaluated but arithmetic), the time tool on an injected clock, and a
 * continued demo answer (takeover) that repeats no reasoning, tool call or result the reader
 * already has, whatever event it stopped at.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ModelAnswerPart } from '../src/answer-parts.ts';
import { AnswerSoFar } from '../src/answer-so-far.ts';
import { DemoModel } from '../src/models/demo.ts';
import { demoToolCall } from '../src/models/demo-tools.ts';
import type { ModelPart } from '../src/models/provider.ts';
import { ArithmeticError, evaluateArithmetic } from '../src/tools/arithmetic.ts';
import { gatewayTools } from '../src/tools/registry.ts';
import { ToolLoop } from '../src/tools/tool-loop.ts';

test('arithmetic: precedence, parentheses, unary minus, right-associative powers, × and ÷', () => {
  const cases: [string, number][] = [
    ['12*7', 84],
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['-3 + -(-2)', -1],
    ['2^3^2', 512],
    ['7 % 4', 3],
    ['6 ÷ 4 × 2', 3],
    ['0.1 + 0.2', 0.3],
    ['.5 * 4', 2],
  ];
  for (const [expression, value] of cases) assert.equal(evaluateArithmetic(expression), value, expression);
});

test('arithmetic: bad expressions are typed errors, and nothing but arithmetic is evaluated', () => {
  const cases: [string, string][] = [
    ['', 'invalid_expression'],
    ['1 +', 'invalid_expression'],
    ['(1 + 2', 'invalid_expression'],
    ['1 2', 'invalid_expression'],
    ['process.exit(1)', 'invalid_expression'],
    ['constructor', 'invalid_expression'],
    ['1/0', 'division_by_zero'],
    ['5 % 0', 'division_by_zero'],
    ['10^400', 'not_finite'],
    [`${'('.repeat(40)}1${')'.repeat(40)}`, 'invalid_expression'],
    [`${'1+'.repeat(120)}1`, 'invalid_expression'],
  ];
  for (const [expression, type] of cases) {
    assert.throws(
      () => evaluateArithmetic(expression),
      (error: unknown) => error instanceof ArithmeticError && error.type === type,
      expression,
    );
  }
});

test('the demo asks for the calculation in the question, without what trails it', () => {
  const cases: [string, string | undefined][] = [
    ['what is 12*7', '{"expression":"12*7"}'],
    ['What is (2+3)*7?', '{"expression":"(2+3)*7"}'],
    ['what is 12*7 (cut)', '{"expression":"12*7"}'],
    ['calculate 1.5 + 2.25.', '{"expression":"1.5 + 2.25"}'],
    ['what is a tide?', undefined],
    ['what happened on 2026-12-01', undefined],
    ['Tell me 3*4', undefined],
  ];
  for (const [question, args] of cases) assert.equal(demoToolCall(question)?.arguments, args, question);
});

test('the time tool reads the injected clock; an unknown tool or bad input is an error result', async () => {
  const tools = gatewayTools(() => Date.UTC(2026, 11, 1, 22, 30));
  const signal = new AbortController().signal;
  assert.deepEqual(await tools.run('time', {}, signal), {
    output: { iso: '2026-12-01T22:30:00.000Z', unix_ms: Date.UTC(2026, 11, 1, 22, 30), time_zone: 'UTC' },
    isError: false,
  });
  assert.equal((await tools.run('calculate', { expr: '1' }, signal)).isError, true);
  assert.equal((await tools.run('shell', {}, signal)).isError, true);
});

async function partsOf(model: ToolLoop, request: { q: string; sent?: AnswerSoFar }): Promise<ModelPart[]> {
  const parts: ModelPart[] = [];
  for await (const part of model.stream({
    messages: [{ role: 'user', content: request.q }],
    signal: new AbortController().signal,
    continueFrom: request.sent?.text,
    sent: request.sent,
  }))
    parts.push(part);
  return parts;
}

/** The answer's parts, without the finish. */
const answerParts = (parts: ModelPart[]) => parts.filter((p): p is ModelAnswerPart => p.type !== 'finish');

for (const q of ['what is (2+3)*7', 'What time is it?', 'Tell me about tides']) {
  test(`a continued demo answer ("${q}") after any part is the rest, nothing repeated`, async () => {
    // A stopped clock: a tool run again after the cut gives the same time.
    const model = new ToolLoop(
      new DemoModel(0),
      gatewayTools(() => Date.UTC(2026, 11, 1, 23, 10)),
    );
    const whole = answerParts(await partsOf(model, { q }));
    const expected = AnswerSoFar.of(whole).parts;
    for (let cut = 0; cut < whole.length; cut++) {
      const rest = await partsOf(model, { q, sent: AnswerSoFar.of(whole.slice(0, cut)) });
      assert.deepEqual(rest.at(-1)?.type, 'finish', `cut ${cut}: the continuation finishes`);
      const joined = AnswerSoFar.of([...whole.slice(0, cut), ...answerParts(rest)]);
      assert.deepEqual(joined.parts, expected, `cut ${cut}: one seamless answer`);
    }
  });
}
