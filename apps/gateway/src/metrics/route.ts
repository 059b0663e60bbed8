/**
 * `GET /metrics` in Prometheus text format. Who may scrape it:
 * - `METRICS_TOKEN` set: only `Authorization: Bearer <METRICS_TOKEN>` (a scraper needs no user);
 * - else with auth on: any signed-in caller (a bearer token from `AUTH_TOKENS`, or a session);
 * - else (development, or a private network): anyone.
 * @module
 */
import type { Hono } from 'hono';
import { sameSecret } from '../auth/secrets.ts';
import { ApiError } from '../errors.ts';
import type { AppEnv, Services } from '../services.ts';

export function metricsRoute(app: Hono<AppEnv>, { metrics, config, auth }: Services): void {
  app.get('/metrics', async (c) => {
    if (config.METRICS_TOKEN) {
      const given = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
      if (!sameSecret(given, config.METRICS_TOKEN))
        throw new ApiError(401, 'unauthorized', 'metrics need the METRICS_TOKEN bearer token');
    } else if (c.get('user') === null && (await auth.enabled())) {
      throw new ApiError(401, 'unauthorized', 'metrics need a bearer token (or set METRICS_TOKEN)');
    }
    return new Response(await metrics.registry.metrics(), {
      headers: { 'content-type': metrics.registry.contentType },
    });
  });
}
