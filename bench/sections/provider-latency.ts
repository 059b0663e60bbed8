/**
 * Issue 4's benchmark: the latency the gateway adds to the first token. A fake
 * OpenAI-compatible upstream answers at once; the first content token is timed when read
 * straight from the upstream, and as the first `delta` through the gateway.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { createParser } from '@tidewire/protocol';
import { startFakeOpenAI } from '../../testing/fake-openai.ts';
import { spawnGateway, spawnListening } from '../../testing/gateway.ts';
import { f, medians } from './format.ts';

/** Time from request to the first SSE event for which `isFirst` says yes (ms). */
export async function timeToFirst(
  url: string,
  init: RequestInit,
  isFirst: (event: string, data: string) => boolean,
): Promise<number> {
  const began = performance.now();
  const abort = new AbortController();
  const res = await fetch(url, { ...init, signal: abort.signal });
  let at = 0;
  const parser = createParser({
    onEvent: (e) => {
      if (!at && isFirst(e.event, e.data)) at = performance.now() - began;
    },
  });
  const reader = res.body!.getReader();
  while (!at) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(value);
  }
  abort.abort();
  await reader.cancel().catch(() => {});
  return at;
}

export function percentiles(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return { p50: at(50), p99: at(99) };
}

/** A gateway process whose model is the fake OpenAI-compatible upstream at `fakeUrl`. */
const gatewayUsing = (fakeUrl: string) =>
  spawnGateway({
    LLM_PROVIDER: 'openai',
    LLM_BASE_URL: `${fakeUrl}/v1`,
    LLM_MODEL: 'fake-model',
    LLM_API_KEY: 'k',
  });

/** A fake OpenAI-compatible upstream (in this process: its scenarios can be queued) and a gateway process that uses it. */
export async function fakeOpenAIGateway() {
  const fake = await startFakeOpenAI();
  return { fake, gateway: await gatewayUsing(fake.url) };
}

/** Rounds of `count` request pairs; each figure is the median of its rounds. */
const ROUNDS = 3;

export async function providerLatencySection(count: number): Promise<string> {
  const fake = await spawnListening('bench/fake-openai-server.ts');
  const gateway = await gatewayUsing(fake.url);
  const body = JSON.stringify({
    model: 'fake-model',
    stream: true,
    messages: [{ role: 'user', content: 'Hi' }],
  });
  const direct = () =>
    timeToFirst(
      `${fake.url}/v1/chat/completions`,
      { method: 'POST', body, headers: { 'content-type': 'application/json' } },
      (_event, data) => data.includes('"content":"H'),
    );
  const through = () =>
    timeToFirst(`${gateway.url}/api/v1/stream/chat?q=Hi`, {}, (event) => event === 'delta');
  /** `count` pairs, one request each way in turn: both paths' p50 and p99, and the differences. */
  const round = async () => {
    const d: number[] = [];
    const g: number[] = [];
    for (let i = 0; i < count; i++) {
      d.push(await direct());
      g.push(await through());
    }
    const [a, b] = [percentiles(d), percentiles(g)];
    return { d50: a.p50, d99: a.p99, g50: b.p50, g99: b.p99, added50: b.p50 - a.p50, added99: b.p99 - a.p99 };
  };
  const rounds: Awaited<ReturnType<typeof round>>[] = [];
  try {
    // A warm-up round as big as a measured one: after 20 requests, the gateway's first token
    // was still falling from one 500 to the next while its JIT caught up.
    await round();
    for (let r = 0; r < ROUNDS; r++) rounds.push(await round());
  } finally {
    await gateway.stop();
    await fake.stop();
  }
  const m = medians(rounds);
  const each = rounds.map((r) => f(r.added99, 2)).join(', ');
  return [
    '## Providers: latency the gateway adds to the first token',
    '',
    `A fake OpenAI-compatible upstream (loopback, a process of its own) answers at once. Request pairs one at a time: time to the first content token read straight from the upstream, then time to the first \`delta\` through the gateway (\`LLM_PROVIDER=openai\`: tidewire's OpenAI-compatible client, over node:http with keep-alive; a new conversation stored in SQLite for each). After a warm-up round of ${count} pairs, ${ROUNDS} rounds of ${count}; each figure is the median of the rounds' (the added p99 of each round: ${each} ms). The p99 of ${count} requests is the ${count / 100}th slowest: on this machine a collection of the gateway's young generation (a few ms with three processes on two cores) or the VM's scheduling lands on about that many, so it moves by milliseconds from one round to the next.`,
    '',
    '| path | first token p50 (ms) | p99 (ms) | target (p99) | this run |',
    '|---|---|---|---|---|',
    `| upstream directly | ${f(m.d50, 2)} | ${f(m.d99, 2)} | | |`,
    `| through the gateway | ${f(m.g50, 2)} | ${f(m.g99, 2)} | | |`,
    `| added by the gateway | ${f(m.added50, 2)} | ${f(m.added99, 2)} | ≤ 3 ms | ${m.added99 <= 3 ? 'met' : '**missed**'} |`,
    '',
  ].join('\n');
}
