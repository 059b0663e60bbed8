/**
 * Browsers open at most six HTTP/1.1 connections per host, so a seventh stream stalls until one
 * of the first six ends. Through the example site (HTTP/2 over TLS, a certificate made by the
 * test) one page in Chromium keeps eight streams open at once, and all of them finish; the same
 * page over HTTP/1.1 (the control) cannot.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { launchBrowser, type TestBrowser } from '../../../testing/browser.ts';
import { startTestGateway } from '../../../testing/gateway.ts';
import { startNginx, type TestNginx } from '../../../testing/nginx.ts';

const STREAMS = 8;

let gateway: Gateway;
let nginx: TestNginx;
let browser: TestBrowser;
before(async () => {
  // Paced so that each answer takes seconds and the streams overlap.
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '60' });
  nginx = await startNginx(gateway.url);
  browser = await launchBrowser({ ignoreHTTPSErrors: true });
});
after(async () => {
  await browser?.close();
  await nginx?.close();
  await gateway?.shutdown();
});

interface PageStreams {
  streams: { firstDeltaAt: number; doneAt: number; done: boolean }[];
  protocols: string[];
}

/** Opens `count` streams at once from one page of `origin` and reads each to its end. */
async function streamsFromOnePage(origin: string, count: number): Promise<PageStreams> {
  const page = await browser.context.newPage();
  try {
    await page.goto(`${origin}/healthz`);
    return await page.evaluate(async (count) => {
      const one = async (i: number) => {
        const res = await fetch(`/api/v1/stream/chat?q=tab+${i}`);
        const reader = res.body!.getReader();
        const decoder = new TextDecoder();
        let text = '';
        let firstDeltaAt = Number.POSITIVE_INFINITY;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
          if (firstDeltaAt === Number.POSITIVE_INFINITY && text.includes('event: delta')) {
            firstDeltaAt = performance.now();
          }
        }
        return { firstDeltaAt, doneAt: performance.now(), done: text.includes('event: done') };
      };
      const streams = await Promise.all(Array.from({ length: count }, (_, i) => one(i)));
      const protocols = performance
        .getEntriesByType('resource')
        .filter((e) => e.name.includes('/api/v1/stream/chat'))
        .map((e) => (e as PerformanceResourceTiming).nextHopProtocol);
      return { streams, protocols };
    }, count);
  } finally {
    await page.close();
  }
}

/** Every stream was under way before any of them ended: all were open at the same time. */
function allOpenAtOnce({ streams }: PageStreams): boolean {
  const lastStart = Math.max(...streams.map((s) => s.firstDeltaAt));
  const firstEnd = Math.min(...streams.map((s) => s.doneAt));
  return lastStart < firstEnd;
}

test('eight streams from one page over HTTP/2 are open at once and all finish', async () => {
  const result = await streamsFromOnePage(nginx.https, STREAMS);
  assert.deepEqual(result.protocols, Array(STREAMS).fill('h2'));
  assert.deepEqual(
    result.streams.map((s) => s.done),
    Array(STREAMS).fill(true),
    'every stream ended with done',
  );
  assert.ok(allOpenAtOnce(result), 'the eighth stream began before the first one ended');
});

test('control: over HTTP/1.1 the same page cannot keep eight streams open at once', async () => {
  const result = await streamsFromOnePage(nginx.http, STREAMS);
  assert.deepEqual(result.protocols, Array(STREAMS).fill('http/1.1'));
  assert.ok(result.streams.every((s) => s.done));
  assert.equal(allOpenAtOnce(result), false, 'the seventh and eighth waited for a connection');
});
