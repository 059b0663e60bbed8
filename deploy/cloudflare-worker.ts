/**
 * Cloudflare Workers entry. One app per isolate, configured from the Worker's variables
 * (the same names as on Node). Deploy with wrangler (`main = "deploy/cloudflare-worker.ts"`,
 * `compatibility_flags = ["nodejs_compat"]` is not needed). See deploy/README.md for limits.
 * @module
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../apps/gateway/src/services.ts';
import { createEdgeApp } from './edge-app.ts';

let app: Hono<AppEnv> | undefined;

export default {
  fetch(
    request: Request,
    env: Record<string, string | undefined>,
    ctx: unknown,
  ): Response | Promise<Response> {
    app ??= createEdgeApp(
      Object.fromEntries(Object.entries(env ?? {}).filter(([, v]) => typeof v === 'string')),
    );
    return app.fetch(request, env, ctx as never);
  },
};
