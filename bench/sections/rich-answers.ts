/**
 * Issue 12's benchmark: what rich answers cost. A fake OpenAI-compatible upstream answers at
 * once, alternately with text only and with reasoning, the same text and a tool call (its
 * arguments over many chunks); through the gateway, the time to the first event of the
 * answer (`delta`, or `reasoning`), and the bytes of a whole answer's stream.
 * @module
 */
import type { Scenario } from '../../testing/fake-upstream.ts';
import { RICH_ANSWER } from '../../testing/rich-scenario.ts';
import { f } from './format.ts';
import { fakeOpenAIGateway, percentiles, timeToFirst } from './provider-latency.ts';

const TEXT: Scenario = { kind: 'answer', tokens: RICH_ANSWER.tokens };
const RICH: Scenario = { kind: 'rich', ...RICH_ANSWER };

export async function richAnswersSection(count: number): Promise<string> {
  const { fake, gateway } = await fakeOpenAIGateway();
  const chat = `${gateway.url}/api/v1/stream/chat?q=Tides`;
  const text: number[] = [];
  const rich: number[] = [];
  let bytes = { text: 0, rich: 0 };
  try {
    for (let i = 0; i < count + 20; i++) {
      fake.queue.push(TEXT);
      const t = await timeToFirst(chat, {}, (event) => event === 'delta');
      fake.queue.push(RICH);
      const r = await timeToFirst(chat, {}, (event) => event === 'reasoning');
      if (i >= 20) {
        text.push(t);
        rich.push(r);
      }
    }
    fake.queue.push(TEXT);
    const textBytes = Buffer.byteLength(await (await fetch(chat)).text());
    fake.queue.push(RICH);
    bytes = { text: textBytes, rich: Buffer.byteLength(await (await fetch(chat)).text()) };
  } finally {
    await gateway.stop();
    await fake.close();
  }
  const a = percentiles(text);
  const b = percentiles(rich);
  const { reasoning, toolCall } = RICH_ANSWER;
  return [
    '## Rich answers: first-token time and bytes',
    '',
    `A fake OpenAI-compatible upstream (loopback) answers at once, alternately with ${RICH_ANSWER.tokens.length} text tokens only, and with ${reasoning.length} reasoning pieces, the same text and a tool call whose arguments come in ${toolCall!.argumentPieces.length} chunks. ${count} requests of each, one at a time, through the gateway (\`LLM_PROVIDER=openai\`): time to the answer's first event.`,
    '',
    '| answer | first event | p50 (ms) | p99 (ms) | bytes of the whole stream |',
    '|---|---|---|---|---|',
    `| text only | \`delta\` | ${f(a.p50, 2)} | ${f(a.p99, 2)} | ${bytes.text} |`,
    `| reasoning, text, tool call | \`reasoning\` | ${f(b.p50, 2)} | ${f(b.p99, 2)} | ${bytes.rich} |`,
    `| difference | | ${f(b.p50 - a.p50, 2)} | ${f(b.p99 - a.p99, 2)} | ${bytes.rich - bytes.text} |`,
    '',
  ].join('\n');
}
