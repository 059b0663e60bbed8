/**
 * Reconnect delays: exponential backoff, capped, with full jitter (a uniform random delay
 * between 0 and the capped exponential), so many clients cut by the same outage do not come
 * back in step. `Retry-After` (seconds or an HTTP date) wins when the server sends one.
 * @module
 */

/** Delay before reconnect `attempt` (1 for the first): uniform in [0, min(maxMs, baseMs * 2^(attempt-1))]. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}

/** `Retry-After` in ms: delay-seconds (digits only) or an HTTP date; undefined when neither. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // Date.parse reads "-1" or "1.5" as years: only a text with a month or weekday is a date.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Waits `ms`, or less if `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
