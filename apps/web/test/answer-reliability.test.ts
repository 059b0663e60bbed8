/**
 * The chat page in Debian's Chromium, where answers used to be lost: a question sent on a
 * keep-alive connection that already carried the page's assets, cut right after the
 * response's first chunk (headers and `hello`), still gets its whole answer from one
 * generation; and a second page opened on a conversation mid-answer shows the answer live
 * and whole instead of a half answer frozen as incomplete.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../../../testing/browser.ts';
import { type CuttingProxy, startCuttingProxy } from '../../../testing/cutting-proxy.ts';
import { generationsOf as countGenerations, startTestGateway } from '../../../testing/gateway.ts';
import { demoAnswer } from '../../gateway/src/models/demo-answer.ts';
import type { Gateway } from '../../gateway/src/server.ts';

let gateway: Gateway;
let proxy: CuttingProxy;
let browser: TestBrowser;
before(async () => {
  // About ten seconds an answer: a second page opened mid-answer must find it still streaming,
  // also on a loaded CI machine, where opening a page can take seconds.
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '30' });
  proxy = await startCuttingProxy(gateway.url);
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await proxy.close();
  await gateway.shutdown();
});

async function openPage(url: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await browser.context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/api/v1/stream')) requests.push(`${r.method()} ${path}`);
  });
  await page.goto(url);
  await page.waitForLoadState('networkidle');
  return { page, requests, errors };
}

async function ask(page: Page, question: string): Promise<void> {
  await page.fill('#question', question);
  await page.press('#question', 'Enter');
}

const answerAt = (page: Page, n: number) => page.locator('.message.assistant [data-testid=answer]').nth(n);

async function endedAnswer(page: Page, n: number) {
  const answer = answerAt(page, n);
  await answer.and(page.locator('[data-state]')).waitFor({ timeout: 60_000 });
  return {
    raw: (await answer.getAttribute('data-raw')) ?? '',
    state: await answer.getAttribute('data-state'),
  };
}

/** Conversations the page's visitor holds titled `question`: one per generation started. */
async function generationsOf(page: Page, question: string): Promise<number> {
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  return countGenerations(gateway.url, question, cookie);
}

test("a question on a reused keep-alive connection, cut right after the response's first chunk: the whole answer, one generation", async () => {
  const { page, requests, errors } = await openPage(proxy.url);
  const connectionsBefore = proxy.connections;
  const q = 'cut after the first chunk';
  proxy.cutNextAfterChunk();
  await ask(page, q);
  const answer = await endedAnswer(page, 0);
  assert.equal(answer.state, 'stop', errors.join('\n'));
  assert.equal(answer.raw, demoAnswer(q));
  assert.ok(
    proxy.lastCut! <= connectionsBefore,
    'the question went on a connection the page had already used',
  );
  assert.equal(requests[0], 'POST /api/v1/stream/chat');
  assert.equal(await generationsOf(page, q), 1);
  await page.close();
});

test('a second page opened on a conversation mid-answer shows the answer live and whole', async () => {
  const first = await openPage(gateway.url);
  const q = 'followed to another tab';
  await ask(first.page, q);
  await answerAt(first.page, 0).filter({ hasText: 'demo answer' }).waitFor({ timeout: 30_000 });
  const second = await openPage(gateway.url);
  await second.page.locator('.sidebar li button', { hasText: q }).click();
  // Live: the second page shows the answer still arriving, then whole, not frozen half-way.
  await second.page.locator('.message.assistant [data-connection=streaming]').waitFor({ timeout: 15_000 });
  const [seen, original] = [await endedAnswer(second.page, 0), await endedAnswer(first.page, 0)];
  assert.equal(seen.state, 'stop', second.errors.join('\n'));
  assert.equal(seen.raw, demoAnswer(q));
  assert.equal(original.raw, demoAnswer(q));
  assert.equal(await second.page.locator('.message.user').count(), 1);
  assert.equal(await generationsOf(first.page, q), 1);
  await first.page.close();
  await second.page.close();
});
