/**
 * Test support for the chat page's browser tests: opening the page with what it does
 * recorded, asking a question and waiting for answers the way a reader sees them.
 * @module
 */
import type { Page } from 'playwright-core';
import type { TestBrowser } from '../../../testing/browser.ts';

export interface TestPage {
  page: Page;
  /** Messages of dialogs that opened (model output must never open one). */
  dialogs: string[];
  /** `METHOD /path` of every request to the API. */
  requests: string[];
  /** Uncaught exceptions and console errors (CSP violations among them). */
  errors: string[];
}

/** The request that starts a chat answer, as `requests` records it. */
export const CHAT_START = 'POST /api/v1/stream/chat';

/** How many answers `requests` started. */
export const chatStarts = (requests: string[]) => requests.filter((r) => r === CHAT_START).length;

/** A new page of `browser` at `url`, recording its API requests, dialogs and errors. */
export async function openPage(browser: TestBrowser, url: string): Promise<TestPage> {
  const page = await browser.context.newPage();
  const dialogs: string[] = [];
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/api/')) requests.push(`${r.method()} ${path}`);
  });
  await page.goto(url);
  return { page, dialogs, requests, errors };
}

export async function ask(page: Page, question: string): Promise<void> {
  await page.fill('#question', question);
  await page.press('#question', 'Enter');
}

export const answerAt = (page: Page, n: number) =>
  page.locator('.message.assistant [data-testid=answer]').nth(n);

/** Waits until the nth answer (0-based) shows some text, so a cut lands mid-answer. */
export async function answerStarted(page: Page, n = 0): Promise<void> {
  await answerAt(page, n).filter({ hasText: 'demo answer' }).waitFor({ timeout: 15_000 });
}

/** Waits for the nth answer (0-based) to end; returns its raw text, state and rendered text. */
export async function endedAnswer(page: Page, n: number, timeout = 30_000) {
  const answer = answerAt(page, n);
  await answer.and(page.locator('[data-state]')).waitFor({ timeout });
  return {
    raw: (await answer.getAttribute('data-raw')) ?? '',
    state: await answer.getAttribute('data-state'),
    text: await answer.innerText(),
  };
}
