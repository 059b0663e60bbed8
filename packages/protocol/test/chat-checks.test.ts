/**
 * The chat events are checked without zod (so a browser bundle carries none), and those
 * checks say what the zod schemas say: the same fields, and the same verdict on every field
 * given each kind of JSON value, missing, or the whole data not an object.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as z from 'zod/mini';
import { chatShapes } from '../src/chat-checks.ts';
import { chatEvents, EVENT_NAMES, eventSchemas, validateEventData } from '../src/index.ts';

/** One value of every JSON kind, and the literal strings of the contract's enums. */
const CANDIDATES: unknown[] = [
  'text',
  'processing',
  'stop',
  'tool_calls',
  0,
  2.5,
  -1,
  true,
  false,
  null,
  {},
  [],
  undefined,
];

const zodAccepts = (event: keyof typeof eventSchemas, data: unknown) =>
  z.safeParse(eventSchemas[event] as z.ZodMiniType, data).success;

/** Data for `event` that the hand checks accept: each field's first candidate that fits. */
function validSample(event: keyof typeof chatShapes): Record<string, unknown> {
  const sample: Record<string, unknown> = {};
  for (const [field, check] of Object.entries(chatShapes[event])) {
    const value = CANDIDATES.find((candidate) => check.test(candidate));
    if (value !== undefined) sample[field] = value;
  }
  return sample;
}

describe('the zod-free checks agree with the zod schemas', () => {
  test('every chat event has a check, with the fields of its schema', () => {
    assert.deepEqual(Object.keys(chatShapes).sort(), Object.keys(eventSchemas).sort());
    assert.deepEqual([...chatEvents.names].sort(), [...EVENT_NAMES].sort());
    for (const event of EVENT_NAMES) {
      const zodFields = Object.keys((eventSchemas[event] as z.ZodMiniObject)._zod.def.shape);
      assert.deepEqual(Object.keys(chatShapes[event]).sort(), zodFields.sort(), event);
    }
  });

  test('each field, given every kind of value or left out, gets the same verdict', () => {
    let compared = 0;
    for (const event of EVENT_NAMES) {
      const base = validSample(event);
      assert.equal(zodAccepts(event, base), true, `zod accepts the sample ${event} ${JSON.stringify(base)}`);
      for (const field of Object.keys(chatShapes[event])) {
        for (const value of CANDIDATES) {
          const data = { ...base, [field]: value };
          if (value === undefined) delete data[field];
          const handOk = chatEvents.check(event, data) === undefined;
          assert.equal(handOk, zodAccepts(event, data), `${event}.${field} = ${JSON.stringify(value)}`);
          compared++;
        }
      }
      for (const notObject of [null, [], 'text', 3])
        assert.deepEqual(
          [chatEvents.check(event, notObject), zodAccepts(event, notObject)],
          ['not an object', false],
        );
    }
    assert.ok(compared > 500, `${compared} verdicts compared`);
  });
});

describe('what a bad event is told', () => {
  test('each failing field is named with what it must be', () => {
    assert.equal(validateEventData('delta', { txt: 'b' }), 'text must be a string');
    assert.equal(
      validateEventData('done', { reason: 'finished', tokens: '3' }),
      'reason must be one of stop, length, cancelled, error, tool_calls; tokens must be a number',
    );
    assert.equal(
      validateEventData('hello', { ts: 1, model: 'm', stream_id: 's' }),
      'conversation_id must be a string or null',
    );
    assert.equal(
      validateEventData('source', { id: 's', url: 'u', title: 3 }),
      'title must be a string when given',
    );
    assert.equal(validateEventData('ping', null), 'not an object');
  });

  test('fields the contract does not name are allowed (a later version may add some)', () => {
    assert.equal(validateEventData('delta', { text: 'a', lang: 'en' }), undefined);
  });

  test('an event the vocabulary does not declare is not checked', () => {
    assert.equal(chatEvents.check('weather', 'anything'), undefined);
  });
});
