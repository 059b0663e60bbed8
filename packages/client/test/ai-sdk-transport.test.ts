/**
 * `TidewireChatTransport` with the AI SDK's own UI message stream reader, against the real
 * gateway's demo model (reasoning, a tool the gateway runs, text): the message it builds; the
 * same message through cut connections, with one generation; a reconnect (a reload) that
 * replays the running answer exactly, also after it ended, and then nothing; Stop cancelling
 * the generation on the server.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readUIMessageStream, type UIMessage } from 'ai';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { type CuttingProxy, startCuttingProxy } from '../../../testing/cutting-proxy.ts';
import { startTestGateway } from '../../../testing/gateway.ts';
import { collectSSE, doneReason } from '../../../testing/sse-client.ts';
import { type StreamIdStorage, TidewireChatTransport } from '../src/ai-sdk/index.ts';

let fast: Gateway;
let paced: Gateway;
let proxy: CuttingProxy;
before(async () => {
  fast = await startTestGateway();
  paced = await startTestGateway({ DEMO_TOKENS_PER_SEC: '40' });
  proxy = await startCuttingProxy(paced.url);
});
after(async () => {
  await proxy.close();
  await fast.shutdown();
  await paced.shutdown();
});

const FAST_RETRY = { reconnectDelay: 5, maxReconnectDelay: 20, maxReconnectAttempts: 50 };

const question = (text: string): UIMessage => ({
  id: `u-${text}`,
  role: 'user',
  parts: [{ type: 'text', text }],
});

function storage(): StreamIdStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

async function send(
  transport: TidewireChatTransport,
  chatId: string,
  text: string,
  abortSignal?: AbortSignal,
) {
  return transport.sendMessages({
    trigger: 'submit-message',
    chatId,
    messageId: undefined,
    messages: [question(text)],
    abortSignal,
  });
}

/** The message the AI SDK builds from a chunk stream. */
async function messageOf(stream: ReadableStream<import('ai').UIMessageChunk>): Promise<UIMessage> {
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream })) last = message;
  return structuredClone(last!);
}

/** The parts that matter, without per-run details (the tool's state, provider metadata). */
const summary = (message: UIMessage) =>
  message.parts.map((p) => {
    if (p.type === 'reasoning' || p.type === 'text') return [p.type, p.text];
    if (p.type.startsWith('tool-')) {
      const tool = p as { type: string; state: string; input: unknown; output: unknown };
      return [tool.type, tool.state, tool.input, tool.output];
    }
    return [p.type];
  });

const Q = 'what is 12*7';
const EXPECTED = [
  [
    'reasoning',
    'The user wants a calculation. I will call the calculate tool with {"expression":"12*7"} rather than guess.',
  ],
  ['tool-calculate', 'output-available', { expression: '12*7' }, { expression: '12*7', value: 84 }],
  ['text', 'The `calculate` tool worked it out: **12*7 = 84**.'],
];

/** Generations the gateway ran for a question (each starts a conversation titled after it). */
async function generationsOf(gateway: Gateway, q: string): Promise<number> {
  const { data } = (await (await fetch(`${gateway.url}/api/v1/conversations?limit=100`)).json()) as {
    data: { title: string }[];
  };
  return data.filter((c) => c.title === q).length;
}

test('useChat reads reasoning, a tool call with its output, and text; the message id is a stream id', async () => {
  const transport = new TidewireChatTransport({ api: `${fast.url}/api/v1/stream/chat` });
  const message = await messageOf(await send(transport, 'chat-1', Q));
  assert.deepEqual(summary(message), EXPECTED);
  assert.match(message.id, /^[0-9a-f-]{36}$/);
});

test('cut connections: the same message, nothing doubled, one generation', async () => {
  const q = `${Q} (cut)`;
  const transport = new TidewireChatTransport({
    api: `${proxy.url}/api/v1/stream/chat`,
    consumer: FAST_RETRY,
  });
  proxy.cutAfterBytes(700);
  try {
    const message = await messageOf(await send(transport, 'chat-cut', q));
    assert.deepEqual(summary(message), EXPECTED);
    assert.ok(proxy.cuts > 2, `the connection was cut (${proxy.cuts} times)`);
  } finally {
    proxy.cutAfterBytes(null);
  }
  assert.equal(await generationsOf(paced, q), 1);
});

test('a reload mid-answer: reconnect replays it whole, also once it ended; then there is nothing to resume', async () => {
  const kept = storage();
  const first = new TidewireChatTransport({ api: `${paced.url}/api/v1/stream/chat`, storage: kept });
  const reader = (await send(first, 'chat-reload', Q)).getReader();
  while (!(await reader.read()).value?.type.startsWith('tool-')) {}
  await reader.cancel(); // the page went away mid-answer
  const streamId = [...kept.items.values()][0]!;
  const afterReload = new TidewireChatTransport({ api: `${paced.url}/api/v1/stream/chat`, storage: kept });
  const resumed = await afterReload.reconnectToStream({ chatId: 'chat-reload' });
  assert.deepEqual(summary(await messageOf(resumed!)), EXPECTED);
  // Once it ended, a reconnect by its id still replays it whole.
  kept.setItem('tidewire.chat-stream.chat-reload', streamId);
  const again = await afterReload.reconnectToStream({ chatId: 'chat-reload' });
  assert.deepEqual(summary(await messageOf(again!)), EXPECTED);
  assert.equal(await afterReload.reconnectToStream({ chatId: 'chat-reload' }), null, 'read to its end');
  assert.equal(await generationsOf(paced, Q), 1, 'never asked twice');
});

/** Reads chunks until the first piece of text; returns the message (stream) id. */
async function readUntilText(
  reader: ReadableStreamDefaultReader<import('ai').UIMessageChunk>,
): Promise<string> {
  let messageId = '';
  for (;;) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'the answer had text');
    if (value.type === 'start') messageId = value.messageId!;
    if (value.type === 'text-delta') return messageId;
  }
}

test('Stop cancels the generation on the server; closing the reader does not', async () => {
  const transport = new TidewireChatTransport({ api: `${paced.url}/api/v1/stream/chat` });
  const abort = new AbortController();
  const stopped = (await send(transport, 'chat-stop', 'stop me', abort.signal)).getReader();
  const stoppedId = await readUntilText(stopped);
  abort.abort();
  let finish: import('ai').UIMessageChunk | undefined;
  for (let r = await stopped.read(); !r.done; r = await stopped.read()) finish = r.value;
  assert.deepEqual(finish, { type: 'finish', finishReason: 'other' });
  assert.equal(
    doneReason((await collectSSE(`${paced.url}/api/v1/streams/${stoppedId}`)).events),
    'cancelled',
  );

  const closed = (await send(transport, 'chat-close', 'close the tab')).getReader();
  const closedId = await readUntilText(closed);
  await closed.cancel();
  assert.equal(doneReason((await collectSSE(`${paced.url}/api/v1/streams/${closedId}`)).events), 'stop');
});
