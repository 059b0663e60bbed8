/**
 * A cut at any byte loses nothing: the gateway (on a fake OpenAI upstream that counts the
 * generations it is asked for) behind a cutting proxy, and one question per cut point, cut
 * after every byte offset up to the end of the first event — before the headers are
 * complete, between the headers and the first event, inside the first event — then at steps
 * up to 2 KB, on a fresh connection and on a keep-alive connection that already carried a
 * request. Every answer arrives whole, and
 * the upstream is asked exactly once per question (a start sent again with its
 * `Idempotency-Key` is attached to the generation it started).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { type CuttingProxy, startCuttingProxy } from '../../../testing/cutting-proxy.ts';
import { startFakeOpenAI } from '../../../testing/fake-openai.ts';
import type { FakeUpstream } from '../../../testing/fake-upstream.ts';
import { startTestGateway } from '../../../testing/gateway.ts';
import { consume } from './helpers.ts';

const CUT_BYTES = 2048;
/**
 * Every byte up to the end of the first event (headers, `hello`, the next events' start),
 * where a cut used to lose the answer; then every `STEP`th byte up to `CUT_BYTES`, to keep
 * the run short on a small machine. `CUT_EVERY_BYTE=1` cuts at every byte of both ranges.
 */
const EVERY_BYTE_UNTIL = 640;
const STEP = process.env.CUT_EVERY_BYTE === '1' ? 1 : 8;
/** An answer far longer than the cut range (~6 KB of events), multi-byte characters included. */
const TOKENS = Array.from({ length: 400 }, (_, i) => (i % 40 === 7 ? ` مرحبا ✓${i}` : ` word${i}`));
const ANSWER = TOKENS.join('');

/** Questions asked at once, each through its own proxy (a cut is one proxy's next connection). */
const WORKERS = 4;

let upstream: FakeUpstream;
let gateway: Gateway;
const proxies: CuttingProxy[] = [];
before(async () => {
  upstream = await startFakeOpenAI();
  upstream.fallback = { kind: 'answer', tokens: TOKENS };
  gateway = await startTestGateway({
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: `${upstream.url}/v1`,
    LLM_API_KEY: 'test',
    LLM_MODEL: 'fake-model',
  });
  for (let i = 0; i < WORKERS; i++) proxies.push(await startCuttingProxy(gateway.url));
});
after(async () => {
  for (const proxy of proxies) await proxy.close();
  await gateway.shutdown();
  await upstream.close();
});

/** How many times the upstream model was asked `question`. */
const generationsOf = (question: string) =>
  upstream.requests.filter((r) => JSON.stringify(r.body).includes(JSON.stringify(question))).length;

/** Asks once through `proxy`, its first connection cut after `bytes` response bytes. */
async function askCutAt(proxy: CuttingProxy, bytes: number, connection: 'fresh' | 'reused'): Promise<void> {
  if (connection === 'fresh') proxy.cutAll();
  else {
    await (await fetch(`${proxy.url}/healthz`)).text();
    await new Promise((resolve) => setImmediate(resolve)); // the connection goes back to the pool
  }
  const connectionsBefore = proxy.connections;
  const cutsBefore = proxy.cuts;
  proxy.cutNextAfterBytes(bytes);
  // Connections the proxy had accepted when the first request settled (reused: none new).
  let connectionsAtFirst: number | undefined;
  const spy: typeof fetch = (input, init) => {
    const settled = () => {
      connectionsAtFirst ??= proxy.connections;
    };
    return fetch(input, init).finally(settled);
  };
  const q = `${connection} cut at ${bytes}`;
  const { complete, consumer, errors } = await consume(`${proxy.url}/api/v1/stream/chat`, {
    body: { q },
    maxReconnectAttempts: 5,
    fetch: spy,
    // SSE's own resume is what is cut here (`auto` would take a cut before the headers for a
    // refusing proxy and move to the WebSocket: websocket-transport.test.ts).
    transport: 'sse',
  });
  const where = `${connection} connection cut after ${bytes} bytes`;
  const outcome = `${consumer.state}, ${(complete ?? consumer.text).length} characters; ${errors.map((e) => e.message).join('; ')}`;
  assert.equal(proxy.cuts, cutsBefore + 1, `${where}: the proxy cut (${outcome})`);
  const opened = connectionsAtFirst! - connectionsBefore;
  assert.equal(opened, connection === 'reused' ? 0 : 1, `${where}: connections opened by the first request`);
  assert.equal(consumer.state, 'done', `${where}: ${outcome}`);
  assert.equal(complete, ANSWER, where);
  assert.equal(generationsOf(q), 1, `${where}: one generation`);
}

/** Cuts at each of `offsets`, shared out among the proxies. */
async function cutAt(offsets: number[], connection: 'fresh' | 'reused'): Promise<void> {
  const queue = [...offsets];
  const worker = async (proxy: CuttingProxy) => {
    for (let bytes = queue.shift(); bytes !== undefined; bytes = queue.shift())
      await askCutAt(proxy, bytes, connection);
  };
  await Promise.all(proxies.map(worker));
}

const upTo = (end: number, step = 1) => Array.from({ length: Math.ceil(end / step) }, (_, i) => i * step);

const OFFSETS = [...upTo(EVERY_BYTE_UNTIL), ...upTo(CUT_BYTES, STEP).filter((b) => b >= EVERY_BYTE_UNTIL)];

for (const connection of ['fresh', 'reused'] as const) {
  test(`cut after each of the first ${EVERY_BYTE_UNTIL} bytes, then ${STEP === 1 ? 'every byte' : `every ${STEP}th byte`} up to ${CUT_BYTES}, of a ${connection} connection: whole answers, one generation each`, () =>
    cutAt(OFFSETS, connection));
}
