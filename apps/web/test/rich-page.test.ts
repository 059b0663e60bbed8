/**
 * Rich answers on the chat page in Debian's Chromium against the real gateway's demo model:
 * the reasoning collapsed under "Thinking…" then "Thought for N s" (expandable while it
 * streams), a tool card with the call's arguments and result, and the text; the same after a
 * cut connection, a reload mid-answer or after the end and reopening the conversation (the
 * same "N s" each time: the server measures it), with no part doubled;
 * sources as links and an image file inline. Saves screenshots to .test-artifacts/
 * (rich-thinking.png, rich-answer.png, rich-dark.png, rich-time.png).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../../../testing/browser.ts';
import { type CuttingProxy, startCuttingProxy } from '../../../testing/cutting-proxy.ts';
import { ROOT, startTestGateway } from '../../../testing/gateway.ts';
import { demoReasoning, demoToolCall } from '../../gateway/src/models/demo-tools.ts';
import type { Gateway } from '../../gateway/src/server.ts';
import { ask, chatStarts, openPage } from './page-helpers.ts';

const ARTIFACTS = `${ROOT}.test-artifacts`;
const Q = 'what is 12*7';
const REASONING = demoReasoning(Q, demoToolCall(Q));
const ANSWER = 'The `calculate` tool worked it out: **12*7 = 84**.';

let fast: Gateway;
/** About four seconds per calculation answer: time to look, cut or reload mid-answer. */
let paced: Gateway;
/** About six seconds of reasoning: time to open it while it streams, on a busy machine too. */
let slow: Gateway;
let proxy: CuttingProxy;
let browser: TestBrowser;
before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  fast = await startTestGateway({ DEMO_TOKENS_PER_SEC: '600' });
  paced = await startTestGateway({ DEMO_TOKENS_PER_SEC: '8' });
  slow = await startTestGateway({ DEMO_TOKENS_PER_SEC: '3' });
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

const answer = (page: Page) => page.locator('.message.assistant').last();

/** Waits for the last answer to end; returns what it shows. */
async function shown(page: Page) {
  const message = answer(page);
  await message.locator('[data-testid=answer][data-state]').waitFor({ timeout: 30_000 });
  const reasoning = message.locator('[data-testid=reasoning]');
  return {
    raw: await message.locator('[data-testid=answer]').getAttribute('data-raw'),
    summary: await reasoning.locator('summary').innerText(),
    reasoning: await reasoning.locator('.reasoning-text').textContent(),
    cards: await message.locator('[data-testid=tool-card]').count(),
    status: await message.locator('[data-testid=tool-card]').first().getAttribute('data-status'),
    input: await message.locator('[data-testid=tool-input]').first().textContent(),
    output: await message.locator('[data-testid=tool-output]').first().textContent(),
  };
}

/** The whole rich answer, once, as the demo model gives it. */
function assertWhole(got: Awaited<ReturnType<typeof shown>>, what: string) {
  assert.equal(got.raw, ANSWER, `${what}: the text`);
  assert.equal(got.reasoning, REASONING, `${what}: the reasoning, not doubled`);
  assert.equal(got.cards, 1, `${what}: one tool card`);
  assert.equal(got.status, 'done', what);
  assert.deepEqual(JSON.parse(got.input ?? ''), { expression: '12*7' }, what);
  assert.deepEqual(JSON.parse(got.output ?? ''), { expression: '12*7', value: 84 }, what);
}

describe('rich answers on the chat page', () => {
  test('reasoning streams collapsed and can be opened while it streams; then a tool card and the text', async () => {
    const { page, errors } = await openPage(browser, slow.url);
    await ask(page, Q);
    const reasoning = answer(page).locator('[data-testid=reasoning]');
    await reasoning.and(page.locator('[data-state=thinking]')).waitFor();
    assert.equal(await reasoning.locator('summary').innerText(), 'Thinking…');
    assert.equal(await reasoning.evaluate((e) => (e as HTMLDetailsElement).open), false, 'collapsed');
    await reasoning.locator('summary').click();
    const before = (await reasoning.locator('.reasoning-text').textContent()) ?? '';
    await page.waitForFunction(
      (n) => (document.querySelector('.message.assistant .reasoning-text')?.textContent?.length ?? 0) > n,
      before.length,
    );
    assert.equal(
      await reasoning.evaluate((e) => (e as HTMLDetailsElement).open),
      true,
      'stays open as it grows',
    );
    await page.screenshot({ path: `${ARTIFACTS}/rich-thinking.png` });
    const got = await shown(page);
    assertWhole(got, 'streamed');
    assert.match(got.summary, /^Thought for \d+ s$/);
    assert.equal(await answer(page).locator('.answer strong').innerText(), '12*7 = 84');
    await page.screenshot({ path: `${ARTIFACTS}/rich-answer.png` });
    await page.click('button.theme'); // auto → dark
    await page.screenshot({ path: `${ARTIFACTS}/rich-dark.png` });
    await page.click('button.theme');
    await page.click('button.theme'); // back to auto (shared localStorage)
    await page.reload();
    const reloaded = await shown(page);
    assertWhole(reloaded, 'reloaded');
    assert.equal(reloaded.summary, got.summary, 'the same thinking time after a reload');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a connection cut while the tool call streams: every part once, one generation', async () => {
    const { page, requests } = await openPage(browser, proxy.url);
    await ask(page, Q);
    await answer(page).locator('[data-testid=tool-card]').waitFor();
    proxy.cutAll();
    assertWhole(await shown(page), 'after a cut');
    assert.equal(chatStarts(requests), 1, 'never asked twice');
    await page.close();
  });

  test('a reload mid-reasoning resumes the answer with every part once; reopening shows them from storage', async () => {
    const { page, requests } = await openPage(browser, paced.url);
    await ask(page, Q);
    await answer(page).locator('[data-testid=reasoning]').waitFor();
    await page.reload();
    const resumed = await shown(page);
    assertWhole(resumed, 'after a reload');
    assert.match(resumed.summary, /^Thought for \d+ s$/, 'the thinking time, also in a replay');
    assert.equal(chatStarts(requests), 1, 'no second generation');
    // Reopened from the conversation list: the stored parts, as they streamed.
    const other = (await openPage(browser, paced.url)).page;
    await other.locator('.sidebar li button', { hasText: Q }).first().click();
    const stored = await shown(other);
    assertWhole(stored, 'reopened');
    assert.equal(stored.summary, resumed.summary, 'the same thinking time from storage');
    await other.close();
    await page.close();
  });

  test('the time: a source as a link and the clock inline, also after reopening', async () => {
    const { page, errors } = await openPage(browser, fast.url);
    await ask(page, 'What time is it?');
    const message = answer(page);
    await message.locator('[data-testid=answer][data-state=stop]').waitFor();
    const check = async (p: Page) => {
      const link = answer(p).locator('[data-testid=sources] a');
      assert.equal(await link.getAttribute('href'), 'https://www.rfc-editor.org/rfc/rfc3339');
      assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
      const image = answer(p).locator('[data-testid=files] img');
      await image.waitFor();
      assert.ok(
        await image.evaluate((img) => (img as HTMLImageElement).naturalWidth > 0),
        'the clock is drawn',
      );
    };
    await check(page);
    await page.screenshot({ path: `${ARTIFACTS}/rich-time.png` });
    await page.reload();
    await answer(page).locator('[data-testid=answer][data-state]').waitFor();
    await check(page);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('an ordinary question: reasoning above the same demo text as ever', async () => {
    const { page } = await openPage(browser, fast.url);
    await ask(page, 'Hello');
    const message = answer(page);
    await message.locator('[data-testid=answer][data-state=stop]').waitFor();
    assert.equal(await message.locator('[data-testid=tool-card]').count(), 0);
    assert.match((await message.locator('.reasoning-text').textContent()) ?? '', /^The user asks “Hello”\./);
    await page.close();
  });
});
