/**
 * Browsers open at most six HTTP/1.1 connections per host, so a seventh stream would stall.
 * Through the example site (HTTP/2 over TLS, a certificate made by the test) one page in
 * Chromium keeps eight streams open at once, and all of them finish.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { launchBrowser, type TestBrowser } from '../../../testing/browser.ts';
import { startTestGateway } from '../../../testing/gateway.ts';
import { startNginx, type TestNginx } from '../../../testing/nginx.ts';

let gateway: Gateway;
let nginx: TestNginx;
let browser: TestBrowser;
before(async () => {
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '60' });
  nginx = await startNginx(gateway.url);
  browser = await launchBrowser({ ignoreHTTPSErrors: true });
});
after(async () => {
  await browser.close();
  await nginx.close();
  await gateway.shutdown();
});

test('eight concurrent streams from one page over HTTP/2 all stream at once and finish', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${nginx.https}/healthz`);
  const result = await page.evaluate(async () => {
    const began = performance.now();
    const one = async (i: number) => {
      const res = await fetch(`/api/v1/stream/chat?q=tab+${i}`);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      let firstDeltaMs = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        if (!firstDeltaMs && text.includes('event: delta')) firstDeltaMs = performance.now() - began;
      }
      return { firstDeltaMs, done: text.includes('event: done'), url: res.url };
    };
    const streams = await Promise.all(Array.from({ length: 8 }, (_, i) => one(i)));
    const protocols = performance
      .getEntriesByType('resource')
      .filter((e) => e.name.includes('/api/v1/stream/chat'))
      .map((e) => (e as PerformanceResourceTiming).nextHopProtocol);
    return { streams, protocols, totalMs: performance.now() - began };
  });
  assert.equal(result.streams.length, 8);
  assert.ok(
    result.streams.every((s) => s.done),
    'every stream ended with done',
  );
  assert.deepEqual(result.protocols, Array(8).fill('h2'));
  // Each answer takes seconds; over HTTP/1.1 the 7th and 8th would start only when one of the
  // first six ended. Over HTTP/2 every stream's first delta arrives at once.
  const latestFirstDelta = Math.max(...result.streams.map((s) => s.firstDeltaMs));
  assert.ok(
    latestFirstDelta < result.totalMs / 3,
    `last first delta at ${latestFirstDelta.toFixed(0)} of ${result.totalMs.toFixed(0)} ms`,
  );
  await page.close();
});
