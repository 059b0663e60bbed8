/**
 * `AnswerStore` (behind the React hook) against the real gateway's demo model: a snapshot per
 * change with the text, reasoning and tool card; a replay by id gives the same answer; Stop
 * cancels the generation; a new answer replaces the one being read.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { startTestGateway } from '../../../testing/gateway.ts';
import { type AnswerSnapshot, AnswerStore } from '../src/index.ts';

let fast: Gateway;
let paced: Gateway;
before(async () => {
  fast = await startTestGateway();
  paced = await startTestGateway({ DEMO_TOKENS_PER_SEC: '40' });
});
after(async () => {
  await fast.shutdown();
  await paced.shutdown();
});

const url = (gateway: Gateway) => `${gateway.url}/api/v1/stream/chat`;

test('an answer arrives as snapshots: text, reasoning, a tool call with its result, how it ended', async () => {
  const store = new AnswerStore(url(fast));
  const seen: AnswerSnapshot[] = [];
  store.subscribe(() => seen.push(store.getSnapshot()));
  await store.ask({ q: 'what is 12*7' });
  const answer = store.getSnapshot();
  assert.equal(answer.text, 'The `calculate` tool worked it out: **12*7 = 84**.');
  assert.match(answer.rich.reasoning, /^The user wants a calculation\./);
  assert.deepEqual(answer.rich.tools, [
    {
      id: answer.rich.tools[0]!.id,
      name: 'calculate',
      inputText: '{"expression":"12*7"}',
      input: { expression: '12*7' },
      complete: true,
      result: { output: { expression: '12*7', value: 84 }, isError: false },
    },
  ]);
  assert.equal(answer.reason, 'stop');
  assert.equal(answer.state, 'done');
  assert.ok(seen.length > 20, 'a snapshot per change');
  assert.ok(
    seen.some((s) => s.rich.tools[0] && !s.rich.tools[0].complete),
    'the arguments were seen while they streamed',
  );
  assert.equal(typeof answer.rich.thoughtMs, 'number', 'the server says how long the model thought');
  // Replayed by id (after a reload): the same answer, its thinking time included.
  const replay = new AnswerStore(url(fast));
  await replay.resume(answer.streamId!);
  assert.deepEqual(replay.getSnapshot(), answer);
});

test('Stop cancels the generation; a new answer replaces the one being read', async () => {
  const store = new AnswerStore(url(paced));
  const first = store.ask({ q: 'a long answer to stop' });
  await new Promise<void>((resolve) => {
    const off = store.subscribe(() => {
      if (store.getSnapshot().text) {
        off();
        resolve();
      }
    });
  });
  await store.stop();
  await first;
  assert.equal(store.getSnapshot().reason, 'cancelled');
  const replaced = store.ask({ q: 'the first of two' });
  await store.ask({ q: 'Hello' });
  await replaced;
  assert.match(store.getSnapshot().text, /^## A demo answer/);
  assert.match(store.getSnapshot().rich.reasoning, /“Hello”/);
});
