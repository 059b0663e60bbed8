/**
 * `fromAISDK` turns a real AI SDK `streamText` result (an OpenAI-compatible model against the
 * fake upstream, with a tool the app executes) into the chat stream's events: reasoning, text,
 * the tool call's arguments as they stream, the call, the app's result, and `done` with the
 * finish reason and the output tokens; a failing model ends it with `error` and `done`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createParser, decodeStreamEvent, type StreamEvent } from '@tidewire/protocol';
import { jsonSchema, streamText, tool, type UIMessageChunk } from 'ai';
import { startFakeOpenAI } from '../../../testing/fake-openai.ts';
import type { FakeUpstream } from '../../../testing/fake-upstream.ts';
import { RICH_ANSWER, RICH_ARGUMENTS } from '../../../testing/rich-scenario.ts';
import { fromAISDK, type StreamTextLike } from '../src/ai-sdk.ts';
import { MemoryStreamStore } from '../src/index.ts';
import { chatLikeEngine } from './fixtures.ts';

let fake: FakeUpstream;
before(async () => {
  fake = await startFakeOpenAI();
});
after(() => fake.close());

/** Every event of a finished stream, from the store. */
async function eventsOf(store: MemoryStreamStore, streamId: string): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  const parser = createParser({
    onEvent(parsed) {
      const decoded = decodeStreamEvent(parsed);
      assert.ok(decoded.ok, decoded.ok ? '' : decoded.message);
      events.push(decoded.event);
    },
  });
  await new Promise<void>((resolve, reject) => {
    store.follow(streamId, 0, {
      onFrames: (frames) => {
        for (const frame of frames) parser.feed(frame);
      },
      onEnd: resolve,
      onError: reject,
    });
  });
  return events;
}

function model() {
  return createOpenAICompatible({ name: 'fake', baseURL: `${fake.url}/v1`, includeUsage: true }).chatModel(
    'fake-model',
  );
}

/** What of a `streamText` result the tests feed in. */
type RichResult = StreamTextLike & { toUIMessageStream(): ReadableStream<UIMessageChunk> };

/** The rich answer through `streamText` with an app-run tool, into a new stream. */
async function richStream(feed: (result: RichResult) => StreamTextLike | ReadableStream<UIMessageChunk>) {
  const store = new MemoryStreamStore();
  const engine = chatLikeEngine({ store });
  const stream = await engine.start({ meta: null });
  fake.queue.push({ kind: 'rich', ...RICH_ANSWER });
  const result = streamText({
    model: model(),
    prompt: 'Tides tomorrow?',
    abortSignal: stream.signal,
    tools: {
      tide_times: tool({
        inputSchema: jsonSchema<{ city: string }>({
          type: 'object',
          properties: { city: { type: 'string' } },
        }),
        execute: async ({ city }) => ({ city, high: '06:12' }),
      }),
    },
  });
  await fromAISDK(stream, feed(result));
  const events = await eventsOf(store, stream.id);
  await engine.close();
  return events;
}

/** Reasoning, text, the tool call's arguments as they stream, the call, the app's result, done. */
function assertRichEvents(events: StreamEvent[]) {
  const names = events.map((e) => e.event).filter((name, i, all) => name !== all[i - 1]);
  assert.deepEqual(names, [
    'hello',
    'reasoning',
    'delta',
    'tool_input_delta',
    'tool_call',
    'tool_result',
    'done',
  ]);
  const text = (name: string) =>
    events.flatMap((e) => (e.event === name ? [(e.data as { text: string }).text] : [])).join('');
  assert.equal(text('reasoning'), RICH_ANSWER.reasoning.join(''));
  assert.equal(text('delta'), RICH_ANSWER.tokens.join(''));
  assert.equal(text('tool_input_delta'), RICH_ARGUMENTS);
  assert.deepEqual(events.find((e) => e.event === 'tool_call')?.data, {
    id: 'call_tides_1',
    name: 'tide_times',
    input: JSON.parse(RICH_ARGUMENTS),
  });
  assert.deepEqual(events.find((e) => e.event === 'tool_result')?.data, {
    id: 'call_tides_1',
    name: 'tide_times',
    output: { city: 'Saint-Malo', high: '06:12' },
    is_error: false,
  });
}

test('a streamText result with an app-run tool becomes reasoning, text, tool events and done', async () => {
  const events = await richStream((result) => result);
  assertRichEvents(events);
  assert.deepEqual(events.at(-1)?.data, {
    reason: 'tool_calls',
    tokens: 4 + 3 + RICH_ANSWER.toolCall!.argumentPieces.length,
  });
});

test('its UI message stream gives the same events (without a token count)', async () => {
  const events = await richStream((result) => result.toUIMessageStream());
  assertRichEvents(events);
  assert.deepEqual(events.at(-1)?.data, { reason: 'tool_calls', tokens: 0 });
});

test('a model that fails mid-answer ends the stream with error, then done {reason: "error"}', async () => {
  const store = new MemoryStreamStore();
  const engine = chatLikeEngine({ store });
  const stream = await engine.start({ meta: null });
  fake.queue.push({ kind: 'status', status: 500 });
  await fromAISDK(
    stream,
    streamText({
      model: model(),
      prompt: 'fail',
      maxRetries: 0,
      abortSignal: stream.signal,
      onError: () => {}, // (not logged here: it reaches the full stream as its error part)
    }),
  );
  const events = await eventsOf(store, stream.id);
  assert.deepEqual(
    events.slice(-2).map((e) => e.event),
    ['error', 'done'],
  );
  const [error, done] = events.slice(-2);
  assert.ok(error?.event === 'error' && error.data.type === 'upstream_error', JSON.stringify(error));
  assert.ok(done?.event === 'done' && done.data.reason === 'error', JSON.stringify(done));
  await engine.close();
});
