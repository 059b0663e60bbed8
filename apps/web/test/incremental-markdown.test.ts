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
  'fences after a list and a quote, tildes, a longer closer':
    '- item\n```js\nlet x = 1;\n```\n> quote\n~~~\nplain\n~~~~\n````\n```\nstill code\n````\ntail',
  'a fence that never closes': 'Text\n\n```python\ndef f():\n    return 1\n',
  'inline markers split anywhere':
    'Some **bold** and *italic* and `code` and [a link](https://example.com/x).',
  'nested lists': '1. one\n   - a\n   - b\n2. two\n\n   continued\n3. three',
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

/** Freezing and healing while the answer is still streaming. */
const MID_STREAM: [string, string, (view: { frozen: string; live: string }) => void][] = [
  [
    'a closed fence is frozen and highlighted at once',
    'Intro\n\n```js\nconst a = 1;\n```\n',
    ({ frozen, live }) => {
      assert.match(frozen, /<span class="hljs-keyword">const<\/span>/);
      assert.equal(live, '');
    },
  ],
  [
    'an open fence stays live and is not highlighted yet',
    'Intro\n\n```js\nconst a = 1;',
    ({ frozen, live }) => {
      assert.equal(frozen, '');
      assert.match(live, /const a = 1;/);
      assert.doesNotMatch(live, /hljs-keyword/);
    },
  ],
  [
    'the last two blocks stay live, earlier ones are frozen',
    'para one\n\npara two\n\npara three',
    ({ frozen, live }) => {
      assert.equal(frozen, '<p>para one</p>\n');
      assert.equal(live, '<p>para two</p>\n<p>para three</p>\n');
    },
  ],
  [
    'an unfinished bold run is healed in the live tail',
    'Some **bold te',
    ({ live }) => assert.equal(live, '<p>Some <strong>bold te</strong></p>\n'),
  ],
  [
    'links open in a new tab, without an opener',
    'See [the docs](https://example.com/docs) and more\n\n',
    ({ live }) =>
      assert.equal(
        live,
        '<p>See <a href="https://example.com/docs" target="_blank" rel="noopener noreferrer">the docs</a> and more</p>\n',
      ),
  ],
  [
    'an unfinished link shows as its text',
    'See [the docs](https://exa',
    ({ live }) => assert.equal(live, '<p>See the docs</p>\n'),
  ],
];

for (const [name, text, check] of MID_STREAM) {
  test(`mid-stream: ${name}`, async () => {
    for (const chunk of [1, 5, text.length]) {
      check(await page.evaluate(([t, c]) => window.tidewireRenderMidStream(t, c), [text, chunk] as const));
    }
  });
}

test('mid-stream, the view does not depend on how the text was chunked', async () => {
  // Reference definitions that arrive late are the known exception, mended by finish().
  const texts = [
    ...Object.entries(CASES).flatMap(([name, text]) => (name.startsWith('reference') ? [] : [text])),
    `Code:\n\n\`\`\`ts\n${Array.from({ length: 40 }, (_, i) => `const v${i} = ${i} * 2; // <b>${i}</b>`).join('\n')}`,
  ];
  for (const text of texts) {
    for (const end of [Math.floor(text.length / 3), Math.floor((text.length * 2) / 3), text.length]) {
      const prefix = text.slice(0, end);
      const atOnce = await page.evaluate(([t]) => window.tidewireRenderMidStream(t, t.length || 1), [
        prefix,
      ] as const);
      for (const chunk of [1, 7]) {
        const chunked = await page.evaluate(([t, c]) => window.tidewireRenderMidStream(t, c), [
          prefix,
          chunk,
        ] as const);
        assert.deepEqual(chunked, atOnce, `${JSON.stringify(prefix.slice(-40))} in chunks of ${chunk}`);
      }
    }
  }
});
