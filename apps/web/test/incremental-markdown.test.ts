/**
 * The incremental Markdown renderer in Chromium: whatever the chunking, the final DOM equals
 * a one-shot render of the whole text, including the cases block freezing must get right.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../../../testing/browser.ts';
import { serveWebDist } from '../../../testing/static-server.ts';
import { demoAnswer } from '../../gateway/src/models/demo-answer.ts';

let browser: TestBrowser;
let site: Awaited<ReturnType<typeof serveWebDist>>;
let page: Page;
before(async () => {
  site = await serveWebDist();
  browser = await launchBrowser();
  page = await browser.context.newPage();
  await page.goto(`${site.url}/bench.html`);
  await page.waitForFunction(() => typeof window.tidewireRenderCompare === 'function');
});
after(async () => {
  await browser.close();
  await site.close();
});

const CASES: Record<string, string> = {
  'demo answer': demoAnswer('render me'),
  'code fence split mid-stream': 'Intro\n\n```ts\nconst a = 1;\n\nconst b = 2;\n```\n\nAfter the fence.',
  'list that keeps growing, then loose items': '- one\n- two\n- three\n\n- four after a blank line\n\nDone.',
  'ordered list with blank lines': '1. first\n\n2. second\n\n3. third',
  'setext heading': 'Title line\n==========\n\nBody text.\n\nSub\n---\n\nMore.',
  'blockquote and table': '> quoted\n> lines\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nend',
  'reference link defined later': 'See [the docs][d].\n\nMore text.\n\n[d]: https://example.com/docs',
  'raw html stays text': 'Before <b>bold?</b> <img src=x onerror=alert(1)>\n\n<div>block html</div>\n\nafter',
  'arabic and emoji': 'مرحبًا بالعالم 👩🏽‍💻\n\n- عنصر أول\n- عنصر ثانٍ 🇯🇵',
};

for (const [name, text] of Object.entries(CASES)) {
  test(`final DOM equals a one-shot render: ${name}`, async () => {
    for (const chunk of [1, 3, 7, 40, 1000]) {
      const { incremental, oneShot } = await page.evaluate(([t, c]) => window.tidewireRenderCompare(t, c), [
        text,
        chunk,
      ] as const);
      assert.equal(incremental, oneShot, `chunks of ${chunk}`);
    }
  });
}
