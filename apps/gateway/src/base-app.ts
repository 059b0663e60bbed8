/**
 * The core every deployment shares, on Web standards (Request → Response): the contract's
 * error bodies, the body size bound, a request id and log line per request, and `/healthz`.
 * The Node app (app.ts) and the edge app (deploy/) are built on it. No `node:` imports.
 * @module
 */
import { StoreUnavailableError, TidewireError } from '@tidewire/server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError, clientWentAway, errorResponse } from './errors.ts';
import { requestLog } from './logging/request-log.ts';
import type { AppEnv, StreamServices } from './services.ts';

export function createBaseApp(services: Pick<StreamServices, 'config' | 'metrics' | 'log'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError((error, c) => {
    if (TidewireError.isInstance(error) && error.status !== undefined) {
      services.metrics.requestError(error.type);
      return errorResponse(error as TidewireError & { status: number });
    }
    if (error instanceof StoreUnavailableError) {
      services.metrics.requestError('service_unavailable');
      return errorResponse(
        new ApiError(503, 'service_unavailable', 'the stream store is unavailable; retry shortly', {
          'Retry-After': '1',
        }),
      );
    }
    if (clientWentAway(error, c.req.raw)) {
      (c.var.log ?? services.log).info(
        { path: c.req.path },
        'client went away before sending its whole request',
      );
      return errorResponse(new ApiError(400, 'bad_request', 'the request ended before its body'));
    }
    services.metrics.requestError('internal_error');
    (c.var.log ?? services.log).error({ err: error }, 'request failed');
    return errorResponse(new ApiError(500, 'internal_error', 'internal error'));
  });
  app.notFound((c) =>
    errorResponse(new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)),
  );
  const maxSize = services.config.MAX_BODY_BYTES;
  const limitBody = bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError(413, 'payload_too_large', `the request body is larger than ${maxSize} bytes`);
    },
  });
  // Requests without a body skip the check: it would build a full Web Request for each stream.
  app.use('*', (c, next) =>
    c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next),
  );
  app.use('*', requestLog(services.log));
  app.use('*', async (c, next) => {
    c.set('user', null);
    await next();
  });
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  return app;
}
