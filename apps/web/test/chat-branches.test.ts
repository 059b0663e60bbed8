/**
 * The chat page as people use a chat app, in Debian's Chromium against the real gateway
 * (built page, demo model): regenerate (every version kept and switchable), edit a question
 * (a new branch, the old one still there after a reload), rename, search, delete, export,
 * copy, the model picker, the draft kept across a reload, a long conversation rendered only
 * where it is seen, two browsers that do not see each other's history, every control named
 * and usable from the keyboard, and a phone's width (a drawer, nothing overflowing).
 * Screenshots at 1280 and 360 px, light and dark, go to .test-artifacts/branches-*.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../../../testing/browser.ts';
import { startFakeOpenAI } from '../../../testing/fake-openai.ts';
import { ROOT, startTestGateway } from '../../../testing/gateway.ts';
import { demoAnswer } from '../../gateway/src/models/demo-answer.ts';
import type { Gateway } from '../../gateway/src/server.ts';
import { answerAt, answerStarted, ask, endedAnswer } from './page-helpers.ts';

const ARTIFACTS = `${ROOT}.test-artifacts`;
let gateway: Gateway;
/** Answers take seconds here: long enough to reload in the middle of one. */
let paced: Gateway;
let browser: TestBrowser;
before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '800' });
  paced = await startTestGateway({ DEMO_TOKENS_PER_SEC: '60' });
  browser = await launchBrowser();
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gateway.url });
});
after(async () => {
  await browser.close();
  await gateway.shutdown();
  await paced.shutdown();
});

/** A new tab on the chat page, with no conversation open; collects page errors. */
async function openPage(
  context: BrowserContext = browser.context,
  url = gateway.url,
): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(url);
  await page.getByRole('button', { name: 'New chat', exact: true }).click();
  return { page, errors };
}

const version = (page: Page, n: number) => page.locator('.message').nth(n).getByTestId('version');
const shownQuestions = (page: Page) => page.locator('.message.user .bubble').allInnerTexts();

/** The conversation open in the page, as the API gives it (with the page's own cookie). */
async function stored(page: Page) {
  const id = await page.evaluate(() => sessionStorage.getItem('tidewire.conversation'));
  assert.ok(id, 'a conversation is open');
  const res = await page.request.get(`${new URL(page.url()).origin}/api/v1/conversations/${id}`);
  return { id, status: res.status(), body: res.ok() ? await res.json() : undefined };
}

describe('branches', () => {
  test('regenerate twice: three versions, each whole, each reachable with the switcher', async () => {
    const { page, errors } = await openPage();
    const q = 'Regenerate me, please';
    await ask(page, q);
    assert.equal((await endedAnswer(page, 0)).raw, demoAnswer(q));
    await page.getByRole('button', { name: 'Regenerate', exact: true }).click();
    await version(page, 1).filter({ hasText: '2 / 2' }).waitFor();
    assert.equal((await endedAnswer(page, 0)).raw, demoAnswer(q));
    // From the keyboard this time.
    await page.getByRole('button', { name: 'Regenerate', exact: true }).focus();
    await page.keyboard.press('Enter');
    await version(page, 1).filter({ hasText: '3 / 3' }).waitFor();
    assert.equal((await endedAnswer(page, 0)).raw, demoAnswer(q));
    assert.equal(await page.locator('.message').count(), 2, 'one version shown at a time');
    for (const expected of ['2 / 3', '1 / 3']) {
      await page.getByRole('button', { name: 'Previous version', exact: true }).click();
      await version(page, 1).filter({ hasText: expected }).waitFor();
      const shown = await endedAnswer(page, 0);
      assert.equal(shown.raw, demoAnswer(q), `version ${expected} whole`);
      assert.equal(shown.state, 'stop');
    }
    assert.ok(await page.getByRole('button', { name: 'Previous version', exact: true }).isDisabled());
    await page.getByRole('button', { name: 'Next version', exact: true }).click();
    await version(page, 1).filter({ hasText: '2 / 3' }).waitFor();
    // The server keeps the three answers as siblings of the one question.
    const { body } = await stored(page);
    const messages = body.messages as {
      id: string;
      role: string;
      parent_id: string | null;
      content: string;
    }[];
    assert.equal(messages.length, 4);
    const question = messages[0]!;
    assert.deepEqual(
      messages.slice(1).map((m) => [m.role, m.parent_id, m.content === demoAnswer(q)]),
      Array(3).fill(['assistant', question.id, true]),
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a regenerated answer resumes after a reload like any other, and keeps its place', async () => {
    const { page } = await openPage(browser.context, paced.url);
    const q = 'Regenerate, then reload';
    await ask(page, q);
    await endedAnswer(page, 0);
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/v1/stream/chat')) posts.push(r.url());
    });
    await page.getByRole('button', { name: 'Regenerate', exact: true }).click();
    await answerStarted(page, 0);
    await page.reload();
    const resumed = await endedAnswer(page, 0);
    assert.equal(resumed.raw, demoAnswer(q), 'whole: nothing missing or doubled');
    assert.equal(resumed.state, 'stop');
    assert.equal(posts.length, 1, 'the reload resumed the stream, it did not ask again');
    await version(page, 1).filter({ hasText: '2 / 2' }).waitFor();
    await page.close();
  });

  test('edit the first question: a new branch with its own answer; the old one is still there after a reload', async () => {
    const { page } = await openPage();
    await ask(page, 'Original first question');
    await endedAnswer(page, 0);
    await ask(page, 'A follow-up on the original');
    await endedAnswer(page, 1);
    await page.locator('.message.user').first().getByRole('button', { name: 'Edit', exact: true }).click();
    const box = page.getByRole('textbox', { name: 'Edit the question' });
    await box.fill('Edited first question');
    await box.press('Enter');
    await version(page, 0).filter({ hasText: '2 / 2' }).waitFor();
    const edited = await endedAnswer(page, 0);
    assert.equal(edited.raw, demoAnswer('Edited first question'));
    assert.deepEqual(await shownQuestions(page), ['Edited first question'], 'the new branch alone');
    await page.reload();
    await endedAnswer(page, 0);
    assert.deepEqual(
      await shownQuestions(page),
      ['Edited first question'],
      'the newest branch after a reload',
    );
    await version(page, 0).filter({ hasText: '2 / 2' }).waitFor();
    await page
      .locator('.message.user')
      .first()
      .getByRole('button', { name: 'Previous version', exact: true })
      .click();
    await version(page, 0).filter({ hasText: '1 / 2' }).waitFor();
    assert.deepEqual(await shownQuestions(page), ['Original first question', 'A follow-up on the original']);
    assert.equal((await endedAnswer(page, 0)).raw, demoAnswer('Original first question'));
    assert.equal((await endedAnswer(page, 1)).raw, demoAnswer('A follow-up on the original'));
    // A question asked on the old branch continues it (the model reads that branch).
    await ask(page, 'Back on the old branch');
    assert.equal((await endedAnswer(page, 2)).raw, demoAnswer('Back on the old branch'));
    assert.deepEqual(await shownQuestions(page), [
      'Original first question',
      'A follow-up on the original',
      'Back on the old branch',
    ]);
    // Escape leaves an edit without sending anything.
    await page.locator('.message.user').first().getByRole('button', { name: 'Edit', exact: true }).click();
    await page.getByRole('textbox', { name: 'Edit the question' }).press('Escape');
    assert.equal(await page.getByRole('textbox', { name: 'Edit the question' }).count(), 0);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'question', 'focus back in the box');
    assert.equal((await stored(page)).body.messages.length, 8);
    await page.close();
  });
});

describe('managing conversations', () => {
  test('rename, search (by a word of an answer), delete (gone from the list, the API says 404)', async () => {
    const { page } = await openPage();
    await ask(page, 'Penguins of the south');
    await endedAnswer(page, 0);
    const { id } = await stored(page);
    const item = page.locator('.sidebar li', { hasText: 'Penguins of the south' });
    await item.getByRole('button', { name: /^Rename/ }).click();
    const title = page.getByRole('textbox', { name: 'New title' });
    await title.fill('Cold birds');
    await title.press('Enter');
    await page.locator('.sidebar li', { hasText: 'Cold birds' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.textContent === 'Cold birds'); // focus back on the item
    await page.locator('.top-bar .conversation-title', { hasText: 'Cold birds' }).waitFor();
    assert.equal((await stored(page)).body.title, 'Cold birds');

    await page.getByRole('button', { name: 'New chat', exact: true }).click();
    await ask(page, 'Baking sourdough');
    await endedAnswer(page, 0);
    const search = page.getByRole('searchbox', { name: /Search/ });
    // "deterministically" is in every demo answer and in neither title.
    await search.fill('Deterministically cold');
    await page.locator('.sidebar li').filter({ hasText: 'Baking sourdough' }).waitFor({ state: 'detached' });
    assert.deepEqual(await page.locator('.sidebar li .title').allInnerTexts(), ['Cold birds']);
    await search.fill('no-answer-has-this-word');
    await page.locator('.sidebar', { hasText: 'No conversation matches.' }).waitFor();
    await search.fill('');
    await page.locator('.sidebar li', { hasText: 'Baking sourdough' }).waitFor();

    const cold = page.locator('.sidebar li', { hasText: 'Cold birds' });
    await cold.getByRole('button', { name: /^Delete/ }).click();
    await page.locator('.sidebar .confirm').getByRole('button', { name: 'Delete', exact: true }).click();
    await cold.waitFor({ state: 'detached' });
    const res = await page.request.get(`${gateway.url}/api/v1/conversations/${id}`);
    assert.equal(res.status(), 404);
    await page.reload();
    await page.locator('.sidebar li', { hasText: 'Baking sourdough' }).waitFor();
    assert.equal(await page.locator('.sidebar li', { hasText: 'Cold birds' }).count(), 0);
    await page.close();
  });

  test('export as Markdown and JSON; copy an answer as Markdown', async () => {
    const { page } = await openPage();
    await ask(page, 'Export this question');
    await endedAnswer(page, 0);
    await ask(page, 'And this one');
    await endedAnswer(page, 1);
    const saved = async (name: string) => {
      await page.getByText('Export', { exact: true }).click();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name }).click(),
      ]);
      return { name: download.suggestedFilename(), text: readFileSync((await download.path())!, 'utf8') };
    };
    const markdown = await saved('Export as Markdown');
    assert.equal(markdown.name, 'Export-this-question.md');
    assert.ok(markdown.text.startsWith('# Export this question\n'));
    for (const part of [
      'Export this question',
      'And this one',
      demoAnswer('Export this question').trimEnd(),
      demoAnswer('And this one').trimEnd(),
    ]) {
      assert.ok(markdown.text.includes(part), `the Markdown holds: ${part.slice(0, 30)}`);
    }
    const json = await saved('Export as JSON');
    assert.equal(json.name, 'Export-this-question.json');
    const data = JSON.parse(json.text) as { messages: { role: string; content: string }[] };
    assert.deepEqual(
      data.messages.map((m) => m.content),
      [
        'Export this question',
        demoAnswer('Export this question'),
        'And this one',
        demoAnswer('And this one'),
      ],
    );
    await page
      .locator('.message.assistant')
      .nth(1)
      .getByRole('button', { name: 'Copy', exact: true })
      .click();
    await page
      .locator('.message.assistant')
      .nth(1)
      .getByRole('button', { name: 'Copied', exact: true })
      .waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), demoAnswer('And this one'));
    await page.close();
  });

  test('the model picker lists the models, and each conversation remembers its own', async () => {
    const upstream = await startFakeOpenAI();
    upstream.fallback = { kind: 'answer', tokens: ['Hello', ' from', ' the', ' upstream.'] };
    const two = await startTestGateway({
      DEMO_TOKENS_PER_SEC: '800',
      LLM_PROVIDER: 'openai',
      LLM_BASE_URL: `${upstream.url}/v1`,
      LLM_MODEL: 'fake-model',
    });
    try {
      const { page } = await openPage(browser.context, two.url);
      const picker = page.getByRole('combobox', { name: 'Model' });
      assert.deepEqual(await picker.locator('option').allInnerTexts(), ['fake-model', 'demo']);
      assert.equal(await picker.inputValue(), 'fake-model', 'the default first');
      await picker.selectOption('demo');
      await ask(page, 'Asked of the demo model');
      assert.equal((await endedAnswer(page, 0)).raw, demoAnswer('Asked of the demo model'));
      await page.getByRole('button', { name: 'New chat', exact: true }).click();
      await picker.selectOption('fake-model');
      await ask(page, 'Asked upstream');
      assert.equal((await endedAnswer(page, 0)).raw, 'Hello from the upstream.');
      assert.equal((await stored(page)).body.model, 'fake-model');
      await page
        .locator('.sidebar li', { hasText: 'Asked of the demo model' })
        .getByRole('button')
        .first()
        .click();
      await page.locator('.message.user', { hasText: 'Asked of the demo model' }).waitFor();
      assert.equal(await picker.inputValue(), 'demo', 'the conversation’s own model');
      await ask(page, 'A follow-up, same model');
      assert.equal((await endedAnswer(page, 1)).raw, demoAnswer('A follow-up, same model'));
      await page.reload();
      await page.locator('.message.user', { hasText: 'A follow-up, same model' }).waitFor();
      assert.equal(
        await page.getByRole('combobox', { name: 'Model' }).inputValue(),
        'demo',
        'after a reload too',
      );
      assert.equal(upstream.requests.length, 1, 'only the one question went upstream');
      await page.close();
    } finally {
      await two.shutdown();
      await upstream.close();
    }
  });

  test('the question being typed survives a reload', async () => {
    const { page } = await openPage();
    await page.locator('#question').fill('half a thought, not sent');
    await page.reload();
    await page.locator('.top-bar').waitFor();
    assert.equal(await page.locator('#question').inputValue(), 'half a thought, not sent');
    await ask(page, 'now sent');
    assert.equal(await page.locator('#question').inputValue(), '');
    await page.reload();
    assert.equal(await page.locator('#question').inputValue(), '', 'a sent question is no draft');
    await page.close();
  });
});

test('a long conversation renders only what is near the screen', async () => {
  const { page } = await openPage();
  // Sixteen turns stored through the API (the page's own cookie), then opened in the page.
  let conversation = '';
  for (let i = 0; i < 16; i++) {
    const res = await page.request.post(`${gateway.url}/api/v1/stream/chat`, {
      data: { q: `long conversation turn ${i}`, ...(conversation ? { conversation_id: conversation } : {}) },
    });
    conversation ||= /"conversation_id":"([^"]+)"/.exec(await res.text())![1]!;
  }
  await page.evaluate((id) => sessionStorage.setItem('tidewire.conversation', id), conversation);
  await page.reload();
  await answerAt(page, 15).locator('h2').waitFor();
  assert.equal(await page.locator('.message').count(), 32);
  assert.equal(
    await page
      .locator('.message')
      .first()
      .evaluate((e) => getComputedStyle(e).contentVisibility),
    'auto',
  );
  assert.equal(await answerAt(page, 0).locator('h2').count(), 0, 'far above: not rendered yet');
  assert.equal(await answerAt(page, 0).getAttribute('data-raw'), demoAnswer('long conversation turn 0'));
  await answerAt(page, 0).scrollIntoViewIfNeeded();
  await answerAt(page, 0).locator('h2').waitFor();
  await page.close();
});

test('two browsers with auth off do not see each other’s conversations', async () => {
  const other = await launchBrowser();
  try {
    const mine = await openPage();
    const theirs = await openPage(other.context);
    await ask(mine.page, 'Only mine to see');
    await ask(theirs.page, 'Only theirs to see');
    await endedAnswer(mine.page, 0);
    await endedAnswer(theirs.page, 0);
    await mine.page.reload();
    await theirs.page.reload();
    await mine.page.locator('.sidebar li', { hasText: 'Only mine to see' }).waitFor();
    await theirs.page.locator('.sidebar li', { hasText: 'Only theirs to see' }).waitFor();
    assert.equal(await mine.page.locator('.sidebar li', { hasText: 'Only theirs to see' }).count(), 0);
    assert.deepEqual(await theirs.page.locator('.sidebar li .title').allInnerTexts(), ['Only theirs to see']);
    const id = (await stored(mine.page)).id;
    const res = await theirs.page.request.get(`${gateway.url}/api/v1/conversations/${id}`);
    assert.equal(res.status(), 404);
  } finally {
    await other.close();
  }
});

test('every control has a name and the page fits a phone: drawer, no overflow, composer in view', async () => {
  const { page, errors } = await openPage();
  await page.emulateMedia({ reducedMotion: 'reduce' }); // the drawer opens without sliding
  await ask(page, 'A phone-sized question with a long answer');
  await endedAnswer(page, 0);
  await page.getByRole('button', { name: 'Regenerate', exact: true }).click();
  await version(page, 1).filter({ hasText: '2 / 2' }).waitFor();
  await endedAnswer(page, 0);
  for (const name of ['Regenerate', 'Edit', 'Copy', 'New chat', /^Rename “/, /^Delete “/]) {
    const exact = typeof name === 'string';
    assert.ok((await page.getByRole('button', { name, exact }).count()) > 0, `a button named ${name}`);
  }
  await page.getByRole('searchbox', { name: /Search/ }).waitFor();
  await page.getByRole('combobox', { name: 'Model' }).waitFor();
  await page.getByText('Export', { exact: true }).waitFor();
  const toEnd = () => page.locator('.thread').evaluate((e) => e.scrollTo(0, e.scrollHeight));
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize({ width: 1280, height: 800 });
    await toEnd();
    await page.screenshot({ path: `${ARTIFACTS}/branches-1280-${scheme}.png` });
    await page.setViewportSize({ width: 360, height: 740 });
    await toEnd();
    await page.screenshot({ path: `${ARTIFACTS}/branches-360-${scheme}.png` });
  }
  // At 360 px: nothing wider than the screen, the composer in view, the list a drawer.
  const fits = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    thread: document.querySelector('.thread')!.scrollWidth,
    composerBottom: document.querySelector('.composer')!.getBoundingClientRect().bottom,
    height: innerHeight,
  }));
  assert.ok(fits.page <= 360 && fits.thread <= 360, `no overflow: ${JSON.stringify(fits)}`);
  assert.ok(fits.composerBottom <= fits.height, 'the composer is in view');
  assert.ok(!(await page.locator('.sidebar').isVisible()), 'the list is a closed drawer');
  await page.getByRole('button', { name: 'Conversations', exact: true }).click();
  await page.locator('.sidebar.open').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}/branches-360-drawer.png` });
  await page.keyboard.press('Escape');
  await page.locator('.sidebar.open').waitFor({ state: 'detached' });
  assert.equal(
    await page.evaluate(() => document.activeElement?.getAttribute('aria-label')),
    'Conversations',
  );
  await page.emulateMedia({ colorScheme: null, reducedMotion: null });
  assert.deepEqual(errors, []);
  await page.close();
});
