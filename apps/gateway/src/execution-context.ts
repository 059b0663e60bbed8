/**
 * The platform's `waitUntil` for a request, where it has one (Cloudflare Workers: work the
 * isolate keeps running after the response or socket closed, up to its grace period). Node
 * and Vercel Edge have none: there a running generation lives on by itself.
 * @module
 */
import type { Context } from 'hono';

export function waitUntilOf(c: Context): ((work: Promise<unknown>) => void) | undefined {
  let ctx: Context['executionCtx'];
  try {
    ctx = c.executionCtx;
  } catch {
    // Hono throws when the runtime passed no execution context.
    return undefined;
  }
  return (work) => ctx.waitUntil(work);
}
