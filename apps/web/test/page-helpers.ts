/**
 * Test support for the chat page's browser tests: asking a question and waiting for answers
 * the way a reader sees them.
 * @module
 */
import type { Page } from 'playwright-core';

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
