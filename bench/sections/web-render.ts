/**
 * Issue 3's benchmark: main-thread time of the chat page's Markdown rendering while an answer
 * streams in, in Chromium: block freezing (the page's renderer) against re-rendering the
 * whole text at every update.
 * @module
 */
import { demoAnswer, tokenize } from '../../apps/gateway/src/models/demo-answer.ts';
import { launchBrowser } from '../../testing/browser.ts';
import { serveWebDist } from '../../testing/static-server.ts';
import { f } from './format.ts';

/** Demo answers to different questions, joined until the text has `tokens` tokens. */
function longAnswer(tokens: number): string {
  const parts: string[] = [];
  let count = 0;
  for (let i = 0; count < tokens; i++) {
    const answer = demoAnswer(`long answer part ${i}`);
    parts.push(answer);
    count += tokenize(answer).length;
  }
  return tokenize(parts.join('\n\n')).slice(0, tokens).join('');
}

interface Measured {
  chars: number;
  updates: number;
  incrementalMs: number;
  fullRerenderMs: number | null;
}

export async function webRenderSection(options: {
  tokens: number[];
  fullUpTo: number;
  charsPerUpdate: number;
}): Promise<string> {
  const site = await serveWebDist();
  const browser = await launchBrowser();
  const rows: string[] = [];
  try {
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/bench.html`);
    await page.waitForFunction(() => typeof window.tidewireRenderBench === 'function');
    for (const tokens of options.tokens) {
      process.stderr.write(`bench: render ${tokens} tokens\n`);
      const text = longAnswer(tokens);
      const withFull = tokens <= options.fullUpTo;
      const r = (await page.evaluate(([t, c, full]) => window.tidewireRenderBench(t, c, full), [
        text,
        options.charsPerUpdate,
        withFull,
      ] as const)) as Measured;
      rows.push(
        `| ${f(tokens)} | ${f(r.chars)} | ${f(r.updates)} | ${f(r.incrementalMs)} | ${r.fullRerenderMs === null ? 'not run' : f(r.fullRerenderMs)} |`,
      );
    }
  } finally {
    await browser.close();
    await site.close();
  }
  return [
    '## Chat page: Markdown rendering while streaming (Chromium)',
    '',
    `Main-thread time to render an answer that arrives ${options.charsPerUpdate} characters per update (the text is demo answers joined: headings, lists, code blocks, Arabic, emoji), ` +
      'measured in Debian Chromium headless with `performance.now()` around the render calls (DOM updates included, layout and paint not).',
    '',
    '| tokens | characters | updates | block freezing (ms) | full re-render each update (ms) |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `The full re-render grows with the square of the length, so it is only run up to ${f(options.fullUpTo)} tokens.`,
    '',
  ].join('\n');
}
