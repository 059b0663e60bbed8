/**
 * The chat page in Chromium behind proxies that break event streams (testing/event-stream-proxy.ts):
 * one that buffers `text/event-stream` until the response ends, one that refuses it. The page
 * moves to the WebSocket on its own: the answer grows on screen while it is generated (not in
 * one lump at the end), ends exactly as the demo answer with no event twice, costs one
 * generation, and the connection state says "via WebSocket".
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, type TestBrowser } from '../../../testing/browser.ts';
import { type EventStreamProxy, startEventStreamProxy } from '../../../testing/event-stream-proxy.ts';
import { generationsOf, startTestGateway } from '../../../testing/gateway.ts';
import { demoAnswer } from '../../gateway/src/models/demo-answer.ts';
import type { Gateway } from '../../gateway/src/server.ts';

let gateway: Gateway;
let buffering: EventStreamProxy;
let refusing: EventStreamProxy;
let browser: TestBrowser;
before(async () => {
  // About seven seconds per answer: a buffered answer would show nothing until then.
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '40' });
  buffering = await startEventStreamProxy(gateway.url, 'buffer');
  refusing = await startEventStreamProxy(gateway.url, 'refuse');
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await buffering.close();
  await refusing.close();
  await gateway.shutdown();
});

describe('the chat page when event streams are broken on the way', () => {
  for (const [name, proxy] of [
    ['buffers event streams until they end', () => buffering],
    ['refuses event streams', () => refusing],
  ] as const) {
    test(`a proxy that ${name}: the answer grows on screen over the WebSocket, whole, once`, async (t) => {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      await page.goto(proxy().url);
      const q = `through a proxy that ${name}`;
      const heldBefore = proxy().eventStreams;
      await page.fill('#question', q);
      await page.press('#question', 'Enter');
      const answer = page.locator('.message.assistant [data-testid=answer]').first();

      // Text on screen while the answer is still being generated, growing step by step.
      await answer.filter({ hasText: 'demo answer' }).waitFor({ timeout: 15_000 });
      const status = page.getByTestId('status');
      assert.equal(await status.getAttribute('data-transport'), 'websocket');
      assert.match(await status.innerText(), /via WebSocket/);
      const lengths: number[] = [];
      for (let i = 0; i < 40 && (await answer.getAttribute('data-state')) === null; i++) {
        lengths.push((await answer.innerText()).length);
        await page.waitForTimeout(100);
      }
      const steps = new Set(lengths).size;
      t.diagnostic(`${steps} distinct lengths seen before the answer ended`);
      assert.ok(steps >= 3, `the answer grew on screen (lengths ${lengths.join(',')})`);

      await answer.and(page.locator('[data-state]')).waitFor({ timeout: 30_000 });
      assert.equal(await answer.getAttribute('data-state'), 'stop');
      assert.equal(await answer.getAttribute('data-raw'), demoAnswer(q), 'whole, no event twice');
      // The page's questions belong to its anonymous visitor (the tw_anon cookie).
      const cookies = await browser.context.cookies(proxy().url);
      const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
      assert.equal(await generationsOf(gateway.url, q, cookie), 1, 'one generation');
      assert.equal(proxy().eventStreams, heldBefore + 1, 'SSE was tried once');
      // Chromium logs the refusing proxy's 502 itself; anything else is an error of the page.
      const unexpected = errors.filter((e) => !/Failed to load resource: .*502/.test(e));
      assert.deepEqual(unexpected, [], 'no errors, no CSP violations');
      await page.close();
    });
  }
});
