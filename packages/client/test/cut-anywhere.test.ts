/**
 * A cut at any byte loses nothing: the gateway (on a fake OpenAI upstream that counts the
 * generations it is asked for) behind a cutting proxy, and one question per cut point, cut
 * after every byte offset of the response's first 2 KB — before the headers are complete,
 * between the headers and the first event, inside the first event — on a fresh connection and
 * on a keep-alive connection that already carried a request. Every answer arrives whole, and
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
/** An answer longer than the cut range: ~4 KB of events, multi-byte characters included. */
const TOKENS = Array.from({ length: 120 }, (_, i) => (i % 40 === 7 ? ` مرحبا ✓${i}` : ` word${i}`));
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
  });
  const where = `${connection} connection cut after ${bytes} bytes`;
  assert.equal(proxy.cuts, cutsBefore + 1, `${where}: the proxy cut`);
  const opened = connectionsAtFirst! - connectionsBefore;
  assert.equal(opened, connection === 'reused' ? 0 : 1, `${where}: connections opened by the first request`);
  assert.equal(consumer.state, 'done', `${where}: ${errors.map((e) => e.message).join('; ')}`);
  assert.equal(complete, ANSWER, where);
  assert.equal(generationsOf(q), 1, `${where}: one generation`);
}

/** Every offset below `CUT_BYTES`, shared out among the proxies. */
async function cutEverywhere(connection: 'fresh' | 'reused'): Promise<void> {
  let next = 0;
  const worker = async (proxy: CuttingProxy) => {
    while (next < CUT_BYTES) await askCutAt(proxy, next++, connection);
  };
  await Promise.all(proxies.map(worker));
}

test(`cut after each of the first ${CUT_BYTES} bytes of a fresh connection: whole answers, one generation each`, () =>
  cutEverywhere('fresh'));

test(`cut after each of the first ${CUT_BYTES} bytes of a reused keep-alive connection: whole answers, one generation each`, () =>
  cutEverywhere('reused'));
