/**
 * Images and reading aloud on the chat page, in Debian's Chromium against the real gateway
 * (built page, demo image generator, eSpeak NG): "Read aloud" starts playback (the button
 * reports `playing`) soon after the click, and after a reload the reading goes on from the
 * next chunk (no chunk fetched twice); `/image PROMPT` shows a progress bar and a preview
 * that sharpens in place, and a reload mid-image keeps the bar's value and the latest preview,
 * then completes with the demo's final image. Chromium runs with
 * `--autoplay-policy=no-user-gesture-required` (a reload has no click to unlock audio).
 * Screenshots: .test-artifacts/media-image.png, media-image-reloaded.png, media-read-aloud.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../../../testing/browser.ts';
import { ROOT, startTestGateway } from '../../../testing/gateway.ts';
import type { Gateway } from '../../gateway/src/server.ts';

const ARTIFACTS = `${ROOT}.test-artifacts`;
let gateway: Gateway;
/** Answers take half a minute here: read aloud while they stream. */
let slow: Gateway;
let browser: TestBrowser;
before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '400', DEMO_IMAGE_STEP_MS: '900' });
  slow = await startTestGateway({ DEMO_TOKENS_PER_SEC: '10' });
  browser = await launchBrowser({ extraArgs: ['--autoplay-policy=no-user-gesture-required'] });
});
after(async () => {
  await browser.close();
  await gateway.shutdown();
  await slow.shutdown();
});

async function openPage(url = gateway.url): Promise<{ page: Page; errors: string[]; artifacts: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  const artifacts: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.includes('/artifacts/')) artifacts.push(path);
  });
  await page.goto(url);
  return { page, errors, artifacts };
}

describe('reading aloud', () => {
  test('the Read aloud button starts playback within a bound; a reload goes on from the next chunk', async () => {
    const { page, errors, artifacts } = await openPage();
    await page.fill('#question', 'Tell me about the sea');
    await page.press('#question', 'Enter');
    const button = page.locator('.message.assistant [data-testid=read-aloud]').first();
    await button.waitFor({ timeout: 30_000 });
    assert.equal(await button.getAttribute('data-state'), 'idle');
    await button.click();
    // eSpeak NG speaks the first sentence in a second or two here; playback starts on it.
    await page.locator('[data-testid=read-aloud][data-state=playing]').waitFor({ timeout: 20_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.audio), 'playing');
    await page.screenshot({ path: `${ARTIFACTS}/media-read-aloud.png` });
    // Wait until the first chunk was heard to its end, then reload mid-reading.
    await page.waitForFunction(
      () => JSON.parse(sessionStorage.getItem('tidewire.reading') ?? '{}').played >= 1,
      null,
      {
        timeout: 30_000,
      },
    );
    const played = await page.evaluate(
      () => JSON.parse(sessionStorage.getItem('tidewire.reading')!).played as number,
    );
    const before = artifacts.length;
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.audio === 'playing', null, { timeout: 30_000 });
    const fetchedAfter = artifacts.slice(before).map((path) => Number(path.split('/').at(-1)));
    assert.ok(fetchedAfter.length > 0, 'chunks are fetched after the reload');
    assert.ok(
      fetchedAfter.every((n) => n > played),
      `after the reload only chunks after ${played} are fetched: ${fetchedAfter}`,
    );
    // Stop ends the reading and cancels its stream.
    await page.locator('[data-testid=read-aloud][data-state=playing]').click();
    await page.waitForFunction(() => document.body.dataset.audio === 'idle');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('reading new answers aloud', () => {
  test('with the option on, a new answer is read aloud while it is still streaming', async () => {
    const { page, errors } = await openPage(slow.url);
    await page.check('[data-testid=auto-read]');
    await page.fill('#question', 'Read this as you write it');
    await page.press('#question', 'Enter');
    await page.waitForFunction(() => document.body.dataset.audio === 'playing', null, { timeout: 30_000 });
    assert.equal(
      await page.locator('.message.assistant [data-testid=answer]').getAttribute('aria-busy'),
      'true',
      'the answer is still streaming',
    );
    await page.uncheck('[data-testid=auto-read]'); // shared localStorage: leave it as found
    await page.click('button.stop');
    assert.deepEqual(errors, []);
    await page.close();
  });
});

describe('image mode', () => {
  test('/image shows progress and a sharpening preview; a reload keeps both and completes', async () => {
    const { page, errors } = await openPage();
    await page.fill('#question', '/image a lighthouse at night');
    await page.press('#question', 'Enter');
    const task = page.locator('[data-testid=image-task]');
    await task.waitFor();
    // Wait for a preview past the first step, so the reload lands mid-image.
    await page
      .locator('[data-testid=image-task]:not([data-pct="0"]):not([data-pct="17"]) img')
      .waitFor({ timeout: 30_000 });
    const pctBefore = Number(await task.getAttribute('data-pct'));
    const previewBefore = await page.locator('[data-testid=image-preview]').getAttribute('src');
    assert.equal(await task.getAttribute('data-status'), 'running');
    await page.screenshot({ path: `${ARTIFACTS}/media-image.png` });
    await page.reload();
    // At once, before any new event: the bar keeps its value and the latest preview shows.
    const restored = page.locator('[data-testid=image-task]');
    await restored.waitFor();
    assert.ok(Number(await restored.getAttribute('data-pct')) >= pctBefore, 'the bar keeps its value');
    const previewAfter = await page.locator('[data-testid=image-preview]').getAttribute('src');
    assert.ok(previewAfter, 'a preview is shown after the reload');
    const stepOf = (url: string | null) => Number(url?.split('/').at(-1));
    assert.ok(
      stepOf(previewAfter) >= stepOf(previewBefore),
      `latest preview: ${previewBefore} → ${previewAfter}`,
    );
    await page.screenshot({ path: `${ARTIFACTS}/media-image-reloaded.png` });
    await page
      .locator('[data-testid=image-task][data-status=done] img[data-final=true]')
      .waitFor({ timeout: 30_000 });
    assert.equal(await restored.getAttribute('data-pct'), '100');
    const finalUrl = await page.locator('[data-testid=image-preview]').getAttribute('src');
    const png = await page.evaluate(async (url) => {
      const bytes = new Uint8Array(await (await fetch(url!)).arrayBuffer());
      return Array.from(bytes.slice(0, 8));
    }, finalUrl);
    assert.deepEqual(png, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the final image is a PNG');
    const natural = await page
      .locator('[data-testid=image-preview]')
      .evaluate((img: HTMLImageElement) => img.naturalWidth);
    assert.equal(natural, 384);
    await page.screenshot({ path: `${ARTIFACTS}/media-image-done.png` });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
