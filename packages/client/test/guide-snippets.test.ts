/**
 * The design guide's client snippets, run as written in Debian's Chromium against a real
 * gateway: the page and the bundled client (rolldown, in memory) are served at the gateway's
 * origin, so the snippet's relative URL reaches the gateway itself. The whole answer must end
 * in the element, byte for byte, typed into it by the typewriter (Arabic and emoji whole).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { rolldown } from 'rolldown';
import { demoAnswer } from '../../../apps/gateway/src/models/demo-answer.ts';
import type { Gateway } from '../../../apps/gateway/src/server.ts';
import { launchBrowser, type TestBrowser } from '../../../testing/browser.ts';
import { startTestGateway } from '../../../testing/gateway.ts';

/** The guide's snippet, verbatim. */
const GUIDE_SNIPPET = `
const consumer = new SSEConsumer('/api/v1/stream/chat?q=Hello');
const typewriter = new AdaptiveTypewriter(document.getElementById('answer'), { baseDelayMs: 5 });
consumer.onDelta((data) => typewriter.append(data.text));
consumer.onComplete(() => typewriter.flush());
consumer.connect();
`;

/** The client as one ES module, the way a page loads it. */
async function bundleClient(): Promise<string> {
  const bundle = await rolldown({
    input: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
    platform: 'browser',
    resolve: { conditionNames: ['tidewire-source', 'browser', 'import', 'default'] },
    logLevel: 'warn',
  });
  // One module: the lazily loaded WebSocket transport inlined, not a chunk the page cannot fetch.
  const { output } = await bundle.generate({ format: 'esm', codeSplitting: false });
  await bundle.close();
  return output[0].code;
}

/** A page at the gateway's origin: an `#answer` element, then `script` as a module. */
async function openSnippetPage(script: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.route(`${gateway.url}/tidewire-client.js`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: clientModule }),
  );
  const html = `<!doctype html><meta charset="utf-8"><div id="answer"></div>
<script type="module">
import { SSEConsumer, AdaptiveTypewriter } from '/tidewire-client.js';
${script}
</script>`;
  await page.route(`${gateway.url}/guide.html`, (route) =>
    route.fulfill({ contentType: 'text/html; charset=utf-8', body: html }),
  );
  await page.goto(`${gateway.url}/guide.html`);
  return { page, errors };
}

/** Waits (bounded) until `#answer` holds `expected`; returns what it holds then. */
async function answerText(page: Page, expected: string): Promise<string> {
  await page
    .waitForFunction((text) => document.getElementById('answer')?.textContent === text, expected, {
      timeout: 30_000,
    })
    .catch(() => {});
  return page.evaluate(() => document.getElementById('answer')?.textContent ?? '');
}

let gateway: Gateway;
let browser: TestBrowser;
let clientModule: string;
before(async () => {
  clientModule = await bundleClient();
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '600' });
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  await gateway.shutdown();
});

describe("the design guide's client snippets in a browser", () => {
  test('the onDelta / AdaptiveTypewriter(element) snippet types the whole answer into the element', async () => {
    const { page, errors } = await openSnippetPage(GUIDE_SNIPPET);
    const expected = demoAnswer('Hello');
    assert.ok(expected.includes('👩🏽‍💻') && expected.includes('مرحبًا'), 'the answer has emoji and Arabic');
    const typed = await answerText(page, expected);
    assert.deepEqual(errors, [], 'no error in the page');
    assert.equal(typed, expected);
    assert.equal(
      await page.evaluate(() => document.getElementById('answer')?.childNodes.length),
      1,
      'one text node, appended to',
    );
    await page.close();
  });

  test('several handlers per event, on(name), unsubscribe and reset, in the page', async () => {
    const { page, errors } = await openSnippetPage(`
const consumer = new SSEConsumer('/api/v1/stream/chat?q=Twice');
const typewriter = new AdaptiveTypewriter(document.getElementById('answer'), { baseDelayMs: 5 });
const seen = { deltas: 0, names: [], dropped: 0 };
consumer.onDelta((data) => typewriter.append(data.text));
consumer.onDelta(() => seen.deltas++);
const stop = consumer.onDelta(() => seen.dropped++);
stop();
consumer.on('done', (data) => seen.names.push('done:' + data.reason));
consumer.on('*', (_data, event) => seen.names.includes(event.event) || seen.names.push(event.event));
consumer.onComplete((text) => {
  typewriter.flush();
  window.result = { text, seen, typed: document.getElementById('answer').textContent };
  typewriter.reset();
  window.result.afterReset = document.getElementById('answer').textContent;
});
consumer.connect();
`);
    await page.waitForFunction(() => 'result' in window, undefined, { timeout: 30_000 });
    const result = await page.evaluate(
      () => (window as unknown as { result: Record<string, unknown> }).result,
    );
    const expected = demoAnswer('Twice');
    assert.equal(result.text, expected);
    assert.equal(result.typed, expected, 'flush showed everything');
    assert.equal(result.afterReset, '', 'reset removed the typed text');
    const seen = result.seen as { deltas: number; names: string[]; dropped: number };
    assert.ok(seen.deltas > 1, `${seen.deltas} deltas`);
    assert.equal(seen.dropped, 0);
    assert.deepEqual(seen.names, [
      'hello',
      'start',
      'conversation',
      'reasoning', // the demo model thinks briefly before it answers
      'delta',
      'metadata',
      'done:stop',
      'done',
    ]);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
