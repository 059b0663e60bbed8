/**
 * The HTTP app: one Hono app on Web standards (Request → Response), the same on Node and
 * on edge runtimes. Errors anywhere become the contract's JSON error body.
 * @module
 */
import { StoreUnavailableError } from '@tidewire/server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { authenticate } from './auth/auth.ts';
import { loginRoutes } from './auth/login-routes.ts';
import { ApiError, errorResponse } from './errors.ts';
import { requestLog } from './logging/request-log.ts';
import { metricsRoute } from './metrics/route.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { streamRoutes } from './routes/streams.ts';
import { webRoutes } from './routes/web.ts';
import type { AppEnv, Services } from './services.ts';

export function createApp(services: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.onError((error, c) => {
    if (error instanceof ApiError) {
      services.metrics.requestError(error.type);
      return errorResponse(error);
    }
    if (error instanceof StoreUnavailableError) {
      services.metrics.requestError('service_unavailable');
      return errorResponse(
        new ApiError(503, 'service_unavailable', 'the stream store is unavailable; retry shortly', {
          'Retry-After': '1',
        }),
      );
    }
    services.metrics.requestError('internal_error');
    (c.var.log ?? services.log).error({ err: error }, 'request failed');
    return errorResponse(new ApiError(500, 'internal_error', 'internal error'));
  });
  app.notFound((c) =>
    errorResponse(new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)),
  );

  app.use(
    '*',
    bodyLimit({
      maxSize: services.config.MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(
          413,
          'payload_too_large',
          `the request body is larger than ${services.config.MAX_BODY_BYTES} bytes`,
        );
      },
    }),
  );
  app.use('*', requestLog(services.log));
  app.use('*', authenticate(services.auth));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  loginRoutes(app, services.auth);
  metricsRoute(app, services);
  streamRoutes(app, services);
  conversationRoutes(app, services);
  webRoutes(app, services.web);
  return app;
}
