/**
 * React pages in Chromium against the real gateway's demo model behind a cutting proxy, one
 * using the AI SDK's `useChat` with `TidewireChatTransport`, one using `useTidewireAnswer`:
 * an answer with reasoning and a tool call survives a cut connection and a page reload, whole,
 * with no part duplicated and one generation upstream.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { build } from 'rolldown';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { launchBrowser, type TestBrowser } from '../../../testing/browser.ts';
import { type CuttingProxy, startCuttingProxy } from '../../../testing/cutting-proxy.ts';
import { startTestGateway } from '../../../testing/gateway.ts';

const bundles: Record<string, string> = {};
let gateway: Gateway;
let proxy: CuttingProxy;
let browser: TestBrowser;
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidewire-use-chat-'));
  for (const name of ['app', 'hook-app']) {
    await build({
      input: fileURLToPath(new URL(`./use-chat-page/${name}.ts`, import.meta.url)),
      platform: 'browser',
      resolve: { conditionNames: ['tidewire-source', 'browser', 'import', 'default'] },
      transform: { define: { 'process.env.NODE_ENV': '"production"' } },
      // One file, injected as one script: the client's lazily loaded WebSocket transport inlined.
      output: { file: join(dir, `${name}.js`), format: 'esm', codeSplitting: false },
      logLevel: 'warn',
    });
    bundles[name] = readFileSync(join(dir, `${name}.js`), 'utf8');
  }
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '12' });
  proxy = await startCuttingProxy(gateway.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await proxy.close();
  await gateway.shutdown();
});

const EXPECTED = [
  [
    'reasoning',
    'The user wants a calculation. I will call the calculate tool with {"expression":"12*7"} rather than guess.',
  ],
  ['tool-calculate', 'output-available', { expression: '12*7', value: 84 }],
  ['text', 'The `calculate` tool worked it out: **12*7 = 84**.'],
];

/** A test page, served on the proxy's origin (so the API is same-origin and cuttable). */
async function openPage(q: string, app = 'app'): Promise<Page> {
  const page = await browser.context.newPage();
  await page.route(`${proxy.url}/use-chat*`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><meta charset="utf-8"><div id="root"></div><script type="module" src="/use-chat.js"></script>',
    }),
  );
  await page.route(`${proxy.url}/use-chat.js`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: bundles[app] }),
  );
  await page.goto(`${proxy.url}/use-chat?q=${encodeURIComponent(q)}`);
  await page.locator('#ask').waitFor();
  return page;
}

const parts = async (page: Page) => JSON.parse((await page.locator('#parts').textContent()) ?? '[]');

/** Waits for the answer to finish and returns its parts. */
async function finished(page: Page): Promise<unknown[]> {
  await page.waitForFunction(() => document.querySelector('#parts')?.textContent?.includes('84**'), null, {
    timeout: 30_000,
  });
  await page.locator('#status', { hasText: 'ready' }).waitFor();
  return parts(page);
}

async function generationsOf(q: string): Promise<number> {
  const { data } = (await (await fetch(`${gateway.url}/api/v1/conversations?limit=100`)).json()) as {
    data: { title: string }[];
  };
  return data.filter((c) => c.title === q).length;
}

test('useChat: a cut connection while the tool call streams loses and doubles nothing', async () => {
  const q = 'what is 12*7';
  const page = await openPage(q);
  await page.click('#ask');
  await page.waitForFunction(() => document.querySelector('#parts')?.textContent?.includes('tool-calculate'));
  proxy.cutAll();
  assert.deepEqual(await finished(page), EXPECTED);
  assert.equal(await generationsOf(q), 1, 'one generation upstream');
  await page.close();
});

test('useChat: a reload mid-reasoning resumes the answer whole, once', async () => {
  const q = 'What is 12*7?';
  const page = await openPage(q);
  await page.click('#ask');
  await page.waitForFunction(() => document.querySelector('#parts')?.textContent?.includes('reasoning'));
  await page.reload();
  const got = await finished(page);
  assert.deepEqual(
    got,
    EXPECTED.map((p, i) => (i === 0 ? p : p)),
  );
  assert.equal(await generationsOf(q), 1, 'one generation upstream');
  await page.close();
});

/** What the hook page shows once its answer ended. */
async function hookAnswer(page: Page) {
  await page.locator('#ended', { hasText: 'stop' }).waitFor({ timeout: 30_000 });
  return JSON.parse((await page.locator('#answer').textContent()) ?? '{}');
}

const HOOK_EXPECTED = {
  reasoning: EXPECTED[0]![1],
  tools: [['calculate', { expression: '12*7' }, { expression: '12*7', value: 84 }]],
  text: EXPECTED[2]![1],
};

test('useTidewireAnswer: a cut, then a reload mid-answer: the whole answer, once, one generation each', async () => {
  const cut = 'what is 12*7 (hook, cut)';
  const page = await openPage(cut, 'hook-app');
  await page.click('#ask');
  await page.waitForFunction(() => document.querySelector('#answer')?.textContent?.includes('calculate'));
  proxy.cutAll();
  assert.deepEqual(await hookAnswer(page), HOOK_EXPECTED);
  assert.equal(await generationsOf(cut), 1);
  const reload = 'what is 12*7 (hook, reload)';
  await page.goto(`${proxy.url}/use-chat?q=${encodeURIComponent(reload)}`);
  await page.click('#ask');
  await page.waitForFunction(
    () => JSON.parse(document.querySelector('#answer')?.textContent ?? '{}').reasoning,
  );
  await page.reload();
  assert.deepEqual(await hookAnswer(page), HOOK_EXPECTED);
  assert.equal(await generationsOf(reload), 1);
  await page.close();
});
