/**
 * The chat page through a server restart (`STREAM_STORE=durable`): the gateway process is
 * killed (SIGKILL) mid-answer and started again on the same data and port. While it is away the
 * page says the server restarted and the answer resumes — not an error — and then the answer
 * completes, byte for byte the demo answer, without asking again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, type TestBrowser } from '../../../testing/browser.ts';
import { killAndWait, spawnDurableGateway } from '../../../testing/durable-gateway.ts';
import type { SpawnedServer } from '../../../testing/gateway.ts';
import { freePort } from '../../../testing/ports.ts';
import { demoAnswer } from '../../gateway/src/models/demo-answer.ts';

const dir = mkdtempSync(join(tmpdir(), 'tidewire-restart-page-'));
let browser: TestBrowser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
});

test('SIGKILL mid-answer: the page says the server restarted, resumes, and completes the answer', async () => {
  const port = await freePort();
  const paced = { DEMO_TOKENS_PER_SEC: '20' };
  let server: SpawnedServer | undefined = await spawnDurableGateway(dir, port, paced);
  const page = await browser.context.newPage();
  const posts: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/stream/chat') posts.push(r.url());
  });
  try {
    await page.goto(server.url);
    const question = 'What happens when the server restarts?';
    await page.fill('#question', question);
    await page.press('#question', 'Enter');
    const answer = page.locator('.message.assistant [data-testid=answer]').first();
    await answer.filter({ hasText: 'demo answer' }).waitFor({ timeout: 15_000 });

    await killAndWait(server, 'SIGKILL');
    server = undefined;
    const status = page.locator('.status[data-state=reconnecting]', { hasText: 'The server restarted' });
    await status.waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.status[data-state=failed]').count(), 0, 'no error shown');
    server = await spawnDurableGateway(dir, port, paced);

    await answer.and(page.locator('[data-state]')).waitFor({ timeout: 60_000 });
    assert.equal(await answer.getAttribute('data-state'), 'stop');
    assert.equal(await answer.getAttribute('data-raw'), demoAnswer(question));
    assert.equal(await page.locator('.status').getAttribute('data-state'), 'done');
    assert.equal(posts.length, 1, 'asked once: the rest was resumed');
  } finally {
    await page.close();
    await server?.stop();
  }
});
