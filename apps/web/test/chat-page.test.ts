/**
 * The chat page in Debian's Chromium against the real gateway: whole answers, ten in a row,
 * a dropped connection, a reload mid-answer, Stop, Arabic and emoji, and model output with
 * HTML rendered inert. Saves screenshots to .test-artifacts/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../../../testing/browser.ts';
import { type CuttingProxy, startCuttingProxy } from '../../../testing/cutting-proxy.ts';
import { ROOT, startTestGateway } from '../../../testing/gateway.ts';
import { demoAnswer } from '../../gateway/src/models/demo-answer.ts';
import type { Gateway } from '../../gateway/src/server.ts';

const ARTIFACTS = `${ROOT}.test-artifacts`;
let fast: Gateway;
let paced: Gateway;
let proxy: CuttingProxy;
let browser: TestBrowser;
before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  fast = await startTestGateway({ DEMO_TOKENS_PER_SEC: '600' });
  paced = await startTestGateway({ DEMO_TOKENS_PER_SEC: '60' });
  proxy = await startCuttingProxy(paced.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await proxy.close();
  await fast.shutdown();
  await paced.shutdown();
});

async function openPage(url: string): Promise<Page> {
  const page = await browser.context.newPage();
  page.on('dialog', () => assert.fail('a dialog opened: model output ran as code'));
  await page.goto(url);
  return page;
}

async function ask(page: Page, question: string): Promise<void> {
  await page.fill('#question', question);
  await page.press('#question', 'Enter');
}

/** Waits for the nth answer (0-based) to finish; returns its raw text and state. */
async function finishedAnswer(page: Page, n: number, timeout = 30_000) {
  const answer = page.locator('.message.assistant [data-testid=answer]').nth(n);
  await answer.and(page.locator('[data-state]')).waitFor({ timeout });
  return {
    raw: (await answer.getAttribute('data-raw')) ?? '',
    state: await answer.getAttribute('data-state'),
    text: await answer.innerText(),
  };
}

describe('the chat page', () => {
  test('asks and renders the whole answer: headings, code, Arabic and emoji', async () => {
    const page = await openPage(fast.url);
    const q = 'Show me everything';
    await ask(page, q);
    const answer = await finishedAnswer(page, 0);
    assert.equal(answer.raw, demoAnswer(q));
    assert.equal(answer.state, 'stop');
    assert.ok(answer.text.includes('مرحبًا بك في tidewire'), 'Arabic intact');
    assert.ok(answer.text.includes('👩🏽‍💻'), 'emoji intact');
    assert.equal(await page.locator('.answer h2').count(), 1);
    assert.equal(await page.locator('.answer .code-block code').count(), 1);
    assert.equal(await page.locator('.answer').first().getAttribute('dir'), 'auto');
    await page.screenshot({ path: `${ARTIFACTS}/chat-light.png` });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: `${ARTIFACTS}/chat-dark.png` });
    await page.close();
  });

  test('ten questions in a row in one page: every answer whole', async () => {
    const page = await openPage(fast.url);
    for (let i = 0; i < 10; i++) {
      const q = `question number ${i}`;
      await ask(page, q);
      const answer = await finishedAnswer(page, i);
      assert.equal(answer.raw, demoAnswer(q), `answer ${i}`);
    }
    await page.close();
  });

  test('a connection dropped mid-answer resumes with nothing missing or doubled', async () => {
    const page = await openPage(proxy.url);
    const q = 'drop the line';
    await ask(page, q);
    await page.locator('.message.assistant .answer').first().filter({ hasText: 'demo answer' }).waitFor();
    proxy.cutAll();
    const answer = await finishedAnswer(page, 0);
    assert.equal(answer.raw, demoAnswer(q));
    await page.close();
  });

  test('a reload mid-answer finds the running stream and resumes it', async () => {
    const page = await openPage(paced.url);
    const q = 'reload in the middle';
    await ask(page, q);
    await page.locator('.message.assistant .answer').first().filter({ hasText: 'demo answer' }).waitFor();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
    await page.reload();
    const answer = await finishedAnswer(page, 0);
    assert.equal(answer.raw, demoAnswer(q));
    assert.ok(!requests.includes('POST /api/v1/stream/chat'), `no second generation: ${requests.join(', ')}`);
    assert.ok(requests.some((r) => r.startsWith('GET /api/v1/streams/')));
    await page.close();
  });

  test('Stop cancels the generation', async () => {
    const page = await openPage(paced.url);
    await ask(page, 'stop me');
    await page.locator('.message.assistant .answer').first().filter({ hasText: 'demo answer' }).waitFor();
    await page.click('button.stop');
    const answer = await finishedAnswer(page, 0);
    assert.equal(answer.state, 'cancelled');
    assert.ok(answer.raw.length < demoAnswer('stop me').length);
    await page.locator('.note', { hasText: 'Stopped.' }).waitFor();
    await page.close();
  });

  test('HTML in model output is shown as text, never run', async () => {
    const page = await openPage(fast.url);
    const q =
      'Is this safe? <img src=x onerror="window.__pwned=1;alert(1)"> <script>window.__pwned=2</script> <a href="javascript:alert(3)">x</a>';
    await ask(page, q);
    const answer = await finishedAnswer(page, 0);
    assert.equal(answer.raw, demoAnswer(q));
    assert.ok(answer.text.includes('<img src=x onerror='), 'shown as text');
    assert.equal(await page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined);
    assert.equal(
      await page
        .locator('.answer img, .answer script, .answer [onerror], .answer a[href^="javascript:"]')
        .count(),
      0,
    );
    await page.close();
  });
});
