/**
 * `GET /metrics` in Prometheus text format. Open by default (serve it on a private network or
 * behind the proxy); with `METRICS_TOKEN` set it needs `Authorization: Bearer <METRICS_TOKEN>`.
 * @module
 */
import type { Hono } from 'hono';
import { sameSecret } from '../auth/secrets.ts';
import { ApiError } from '../errors.ts';
import type { AppEnv, Services } from '../services.ts';

export function metricsRoute(app: Hono<AppEnv>, { metrics, config }: Services): void {
  app.get('/metrics', async (c) => {
    if (config.METRICS_TOKEN) {
      const given = c.req.header('authorization')?.replace(/^Bearer\s+/i, '') ?? '';
      if (!sameSecret(given, config.METRICS_TOKEN))
        throw new ApiError(401, 'unauthorized', 'metrics need the METRICS_TOKEN bearer token');
    }
    return new Response(await metrics.registry.metrics(), {
      headers: { 'content-type': metrics.registry.contentType },
    });
  });
}
