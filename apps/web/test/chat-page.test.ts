/**
 * The chat page in Debian's Chromium against the real gateway (built page, paced demo model):
 * whole answers, ten in a row, a dropped connection, going offline, a failed resume and
 * Retry, a reload mid-answer, Stop, Arabic and emoji, and model output with HTML rendered
 * inert. Every answer is compared byte for byte with the deterministic demo answer. Saves
 * screenshots to .test-artifacts/ (chat.png light, chat-dark.png, chat-mobile.png, chat-streaming.png,
 * chat-failed.png).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, type TestBrowser } from '../../../testing/browser.ts';
import { type CuttingProxy, startCuttingProxy } from '../../../testing/cutting-proxy.ts';
import { ROOT, startTestGateway } from '../../../testing/gateway.ts';
import { demoAnswer } from '../../gateway/src/models/demo-answer.ts';
import type { Gateway } from '../../gateway/src/server.ts';
import {
  answerAt,
  answerStarted,
  ask,
  CHAT_START,
  chatStarts,
  endedAnswer,
  openPage,
} from './page-helpers.ts';

const ARTIFACTS = `${ROOT}.test-artifacts`;
let fast: Gateway;
let paced: Gateway;
/** Answers last about a minute here: longer than any wait in these tests. */
let slow: Gateway;
let proxy: CuttingProxy;
let browser: TestBrowser;
before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  fast = await startTestGateway({ DEMO_TOKENS_PER_SEC: '600' });
  paced = await startTestGateway({ DEMO_TOKENS_PER_SEC: '80' });
  slow = await startTestGateway({ DEMO_TOKENS_PER_SEC: '5' });
  proxy = await startCuttingProxy(paced.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await proxy.close();
  await fast.shutdown();
  await paced.shutdown();
  await slow.shutdown();
});

describe('the chat page', () => {
  test('asks (Shift+Enter for a new line) and renders the whole answer, light and dark', async () => {
    const { page, requests, errors } = await openPage(browser, fast.url);
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'question',
      'the question box has focus',
    );
    await page.keyboard.type('Show me everything');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('on two lines');
    await page.keyboard.press('Enter');
    const q = 'Show me everything\non two lines';
    const answer = await endedAnswer(page, 0);
    assert.equal(answer.raw, demoAnswer(q));
    assert.equal(answer.state, 'stop');
    assert.equal(await page.locator('.message.user .bubble').innerText(), q);
    assert.ok(answer.text.includes('مرحبًا بك في tidewire'), 'Arabic intact');
    assert.ok(answer.text.includes('👩🏽‍💻'), 'emoji intact');
    assert.equal(await page.locator('.answer h2').count(), 1);
    assert.equal(
      (await page.locator('.answer .code-block code .hljs-string').count()) > 0,
      true,
      'highlighted',
    );
    assert.equal(await answerAt(page, 0).getAttribute('dir'), 'auto');
    assert.equal(await answerAt(page, 0).getAttribute('aria-live'), 'polite');
    assert.equal(await answerAt(page, 0).getAttribute('aria-busy'), 'false');
    assert.deepEqual(
      requests.filter((r) => r === CHAT_START),
      [CHAT_START],
    );
    // The conversation is listed in the sidebar.
    await page.locator('.sidebar li button', { hasText: 'Show me everything' }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/chat.png` });
    await page.click('button.theme'); // auto → dark
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.screenshot({ path: `${ARTIFACTS}/chat-dark.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: `${ARTIFACTS}/chat-mobile.png` });
    await page.click('button.menu'); // on a phone the theme toggle is in the conversation drawer
    await page.click('button.theme'); // dark → light
    await page.click('button.theme'); // light → auto (shared localStorage: leave it as found)
    await page.keyboard.press('Escape'); // closes the drawer
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: fast.url });
    const copy = page.locator('.answer .code-block button.copy');
    await copy.click();
    await page.locator('.answer .code-block button.copy', { hasText: 'Copied' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, await page.locator('.answer .code-block code').textContent());
    assert.ok(demoAnswer(q).includes(copied.trimEnd()), 'the code as the model wrote it');
    assert.deepEqual(errors, [], 'no errors, no CSP violations');
    await page.close();
  });

  test('ten questions in a row in one page: every answer whole', async () => {
    const { page, requests } = await openPage(browser, fast.url);
    for (let i = 0; i < 10; i++) {
      const q = `question number ${i}`;
      await ask(page, q);
      const answer = await endedAnswer(page, i);
      assert.equal(answer.raw, demoAnswer(q), `answer ${i}`);
      assert.equal(answer.state, 'stop', `answer ${i}`);
    }
    assert.equal(chatStarts(requests), 10);
    assert.equal(await page.locator('.status').getAttribute('data-state'), 'done');
    await page.close();
    // A fresh tab lists the conversation; opening it shows all twenty messages from storage.
    const other = (await openPage(browser, fast.url)).page;
    await other.locator('.sidebar li button', { hasText: 'question number 0' }).click();
    await answerAt(other, 9).waitFor();
    assert.equal(await other.locator('.message').count(), 20);
    assert.equal(await answerAt(other, 9).getAttribute('data-raw'), demoAnswer('question number 9'));
    assert.equal(await other.locator('.sidebar button[aria-current=page]').innerText(), 'question number 0');
    await other.close();
  });

  test('answers left mid-stream release their connections (the seed bug)', async () => {
    const { page } = await openPage(browser, slow.url);
    // More abandoned streams than the browser's six connections per host, each of which would
    // stay open for many seconds if the page did not close it.
    for (let i = 0; i < 8; i++) {
      await ask(page, `abandoned ${i}`);
      await answerStarted(page);
      await page.click('button.new');
    }
    // A ninth still gets a connection at once (and Stop ends it, so it does not run on).
    await ask(page, 'after eight abandoned answers');
    await answerStarted(page);
    await page.click('button.stop');
    assert.equal((await endedAnswer(page, 0)).state, 'cancelled');
    await page.close();
  });

  test('a connection cut mid-answer resumes with nothing missing or doubled', async () => {
    const { page, requests } = await openPage(browser, proxy.url);
    const q = 'cut the line';
    await ask(page, q);
    await answerStarted(page);
    proxy.cutAll();
    const answer = await endedAnswer(page, 0);
    assert.equal(answer.raw, demoAnswer(q));
    assert.equal(chatStarts(requests), 1, 'never asked twice');
    assert.ok(
      requests.some((r) => r.startsWith('GET /api/v1/streams/')),
      'resumed by GET',
    );
    await page.close();
  });

  test('going offline mid-answer shows it, and the answer completes when back', async () => {
    const { page, requests } = await openPage(browser, proxy.url);
    const q = 'offline for a while';
    await ask(page, q);
    await answerStarted(page);
    // Emulated offline blocks new requests but leaves an open response flowing; a real
    // network loss also breaks the open connection, so cut it too.
    await browser.context.setOffline(true);
    try {
      proxy.cutAll();
      await page.locator('.status[data-state=offline]', { hasText: 'Offline' }).waitFor();
      assert.ok(!(await answerAt(page, 0).getAttribute('data-state')), 'still waiting, not failed');
    } finally {
      await browser.context.setOffline(false);
    }
    const answer = await endedAnswer(page, 0);
    assert.equal(answer.raw, demoAnswer(q));
    assert.equal(chatStarts(requests), 1, 'never asked twice');
    await page.close();
  });

  test('a failed resume offers Retry, which resumes the stream', async () => {
    const { page, requests } = await openPage(browser, proxy.url);
    const q = 'retry after a captive portal';
    await ask(page, q);
    await answerStarted(page);
    // A Wi-Fi login page answers the resume with HTML: a final error, so the page fails.
    await page.route('**/api/v1/streams/**', (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Sign in to the Wi-Fi</h1>' }),
    );
    proxy.cutAll();
    const failed = await endedAnswer(page, 0);
    assert.equal(failed.state, 'failed');
    await page.screenshot({ path: `${ARTIFACTS}/chat-failed.png` });
    assert.ok(demoAnswer(q).startsWith(failed.raw), 'the partial answer stays');
    await page.unroute('**/api/v1/streams/**');
    await page.locator('.status[data-state=failed] button', { hasText: 'Retry' }).click();
    const answer = await endedAnswer(page, 0);
    assert.equal(answer.raw, demoAnswer(q));
    assert.equal(answer.state, 'stop');
    assert.equal(chatStarts(requests), 1, 'Retry resumes, never asks again');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'question', 'focus back in the box');
    await page.close();
  });

  test('a reload mid-answer finds the running stream and resumes it', async () => {
    const { page, requests } = await openPage(browser, paced.url);
    await ask(page, 'first question');
    await endedAnswer(page, 0);
    const q = 'reload in the middle';
    await ask(page, q);
    await answerStarted(page, 1);
    requests.length = 0;
    await page.reload();
    const answer = await endedAnswer(page, 1);
    assert.equal(answer.raw, demoAnswer(q));
    assert.ok(!requests.includes(CHAT_START), `no second generation: ${requests.join(', ')}`);
    assert.ok(requests.some((r) => r.startsWith('GET /api/v1/streams/')));
    // The conversation before it is back too, once, from the server's history.
    assert.deepEqual(await page.locator('.message.user .bubble').allInnerTexts(), ['first question', q]);
    assert.equal((await endedAnswer(page, 0)).raw, demoAnswer('first question'));
    await page.close();
  });

  test('Stop cancels the generation', async () => {
    const { page, requests } = await openPage(browser, paced.url);
    await ask(page, 'stop me');
    await answerStarted(page);
    await page.locator('.status[data-state=streaming]', { hasText: 'Streaming' }).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}/chat-streaming.png` });
    await page.click('button.stop');
    const answer = await endedAnswer(page, 0);
    assert.equal(answer.state, 'cancelled');
    assert.ok(demoAnswer('stop me').startsWith(answer.raw));
    assert.ok(answer.raw.length < demoAnswer('stop me').length);
    assert.ok(requests.some((r) => /^POST \/api\/v1\/streams\/[^/]+\/cancel$/.test(r)));
    await page.locator('.note', { hasText: 'Stopped.' }).waitFor();
    await page.locator('button.send').waitFor();
    // Escape in the question box stops too.
    await ask(page, 'stop me with Escape');
    await answerStarted(page, 1);
    await page.press('#question', 'Escape');
    assert.equal((await endedAnswer(page, 1)).state, 'cancelled');
    await page.close();
  });

  test('an Arabic question with emoji reads right to left and comes back intact', async () => {
    const { page } = await openPage(browser, fast.url);
    const q = 'ما هو tidewire؟ 👩🏽‍💻🇯🇵';
    await ask(page, q);
    const answer = await endedAnswer(page, 0);
    assert.equal(answer.raw, demoAnswer(q));
    assert.ok(answer.text.includes(q), 'the echoed question, every grapheme intact');
    const bubble = page.locator('.message.user .bubble');
    assert.equal(await bubble.innerText(), q);
    assert.equal(await bubble.evaluate((e) => getComputedStyle(e).direction), 'rtl');
    assert.equal(await answerAt(page, 0).evaluate((e) => getComputedStyle(e).direction), 'ltr');
    await page.close();
  });

  test('HTML in model output is shown as text, never run', async () => {
    const { page, dialogs, errors } = await openPage(browser, fast.url);
    const q =
      'Is this safe? <img src=x onerror="window.__pwned=1;alert(1)"> <script>window.__pwned=2;alert(2)</script> <a href="javascript:alert(3)">x</a> [y](javascript:alert(4))';
    await ask(page, q);
    const answer = await endedAnswer(page, 0);
    assert.equal(answer.raw, demoAnswer(q));
    assert.ok(answer.text.includes('<img src=x onerror='), 'shown as text');
    assert.ok(answer.text.includes('<script>'), 'shown as text');
    assert.equal(await page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined);
    assert.equal(
      await page
        .locator('.answer img, .answer script, .answer [onerror], .answer a[href^="javascript:"]')
        .count(),
      0,
    );
    assert.deepEqual(dialogs, []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
