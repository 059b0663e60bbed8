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
import { f } from './format.ts';

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

export async function providerLatencySection(count: number): Promise<string> {
  const fake = await spawnListening('bench/fake-openai-server.ts');
  const gateway = await gatewayUsing(fake.url);
  const body = JSON.stringify({
    model: 'fake-model',
    stream: true,
    messages: [{ role: 'user', content: 'Hi' }],
  });
  const direct: number[] = [];
  const through: number[] = [];
  try {
    for (let i = 0; i < count + 20; i++) {
      const d = await timeToFirst(
        `${fake.url}/v1/chat/completions`,
        { method: 'POST', body, headers: { 'content-type': 'application/json' } },
        (_event, data) => data.includes('"content":"H'),
      );
      const g = await timeToFirst(`${gateway.url}/api/v1/stream/chat?q=Hi`, {}, (event) => event === 'delta');
      if (i >= 20) {
        direct.push(d);
        through.push(g);
      }
    }
  } finally {
    await gateway.stop();
    await fake.stop();
  }
  const a = percentiles(direct);
  const b = percentiles(through);
  return [
    '## Providers: latency the gateway adds to the first token',
    '',
    `A fake OpenAI-compatible upstream (loopback, a process of its own) answers at once. ${count} requests one at a time, alternating: time to the first content token read straight from the upstream, and time to the first \`delta\` through the gateway (\`LLM_PROVIDER=openai\`: tidewire's OpenAI-compatible client, over node:http with keep-alive; a new conversation stored in SQLite for each).`,
    '',
    '| path | first token p50 (ms) | p99 (ms) | target (p99) | this run |',
    '|---|---|---|---|---|',
    `| upstream directly | ${f(a.p50, 2)} | ${f(a.p99, 2)} | | |`,
    `| through the gateway | ${f(b.p50, 2)} | ${f(b.p99, 2)} | | |`,
    `| added by the gateway | ${f(b.p50 - a.p50, 2)} | ${f(b.p99 - a.p99, 2)} | ≤ 3 ms | ${b.p99 - a.p99 <= 3 ? 'met' : '**missed**'} |`,
    '',
  ].join('\n');
}
