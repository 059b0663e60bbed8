/**
 * Cloudflare Workers entry. One app per isolate, configured from the Worker's variables
 * (the same names as on Node). Deploy with wrangler (`main = "deploy/cloudflare-worker.ts"`,
 * `compatibility_flags = ["nodejs_compat"]` is not needed). WebSocket upgrades get the
 * `upgradeWebSocket` binding (worker-websocket.ts). Limits per IP count the address Cloudflare
 * saw (`CF-Connecting-IP`, which Cloudflare sets and clients cannot). See deploy/README.md for limits.
 * @module
 */
import type { Hono } from 'hono';
import type { AppEnv } from '../apps/gateway/src/services.ts';
import { createEdgeApp } from './edge-app.ts';
import { isUpgrade, workerUpgradeBindings } from './worker-websocket.ts';

let app: Hono<AppEnv> | undefined;

export default {
  fetch(
    request: Request,
    env: Record<string, string | undefined>,
    ctx: unknown,
  ): Response | Promise<Response> {
    app ??= createEdgeApp(
      Object.fromEntries(Object.entries(env ?? {}).filter(([, v]) => typeof v === 'string')),
      { webSockets: true },
    );
    const base = isUpgrade(request) ? workerUpgradeBindings(env ?? {}) : env;
    const clientAddress = request.headers.get('cf-connecting-ip') ?? undefined;
    return app.fetch(request, { ...base, clientAddress }, ctx as never);
  },
};
