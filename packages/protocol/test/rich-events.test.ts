/**
 * The rich answer events of the contract (reasoning, tool calls and results, sources, files)
 * decode like every other event, and data that breaks their shape is refused with the reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeStreamEvent, validateEventData } from '../src/index.ts';

const decode = (event: string, data: unknown) =>
  decodeStreamEvent({ event, data: JSON.stringify(data), id: 's1:4', lastEventId: 's1:4' });

test('each rich event decodes with its data, stream id and sequence number', () => {
  const samples: [string, unknown][] = [
    ['reasoning', { text: 'Let me think.' }],
    ['tool_input_delta', { id: 'call_1', name: 'calculate', text: '{"expression":' }],
    ['tool_call', { id: 'call_1', name: 'calculate', input: { expression: '12*7' } }],
    ['tool_result', { id: 'call_1', name: 'calculate', output: { value: 84 }, is_error: false }],
    ['source', { id: 'src_1', url: 'https://example.com/a', title: 'A page' }],
    ['file', { id: 'file_1', media_type: 'image/png', url: '/api/v1/streams/s1/artifacts/1' }],
  ];
  for (const [event, data] of samples) {
    const decoded = decode(event, data);
    assert.ok(decoded.ok, `${event} decodes`);
    assert.deepEqual(decoded.event, { event, data, streamId: 's1', seq: 4 });
  }
});

test('a source without a title is accepted (citations do not always have one)', () => {
  assert.equal(validateEventData('source', { id: 's', url: 'https://example.com' }), undefined);
});

test('done may end with reason tool_calls (the client runs the tools)', () => {
  assert.equal(validateEventData('done', { reason: 'tool_calls', tokens: 12 }), undefined);
});

test('rich events with missing or mistyped fields are refused with the reason', () => {
  const bad: [string, unknown][] = [
    ['reasoning', {}],
    ['tool_input_delta', { id: 'c', text: '{' }],
    ['tool_call', { id: 'c', input: {} }],
    ['tool_result', { id: 'c', name: 'n', output: 1, is_error: 'no' }],
    ['source', { id: 's', title: 'no url' }],
    ['file', { id: 'f', url: '/x' }],
  ];
  for (const [event, data] of bad) {
    const decoded = decode(event, data);
    assert.equal(decoded.ok, false, `${event} ${JSON.stringify(data)} is refused`);
    assert.match(!decoded.ok ? decoded.message : '', new RegExp(`event "${event}" has invalid data`));
  }
});
