/**
 * Gives every request an id (`X-Request-Id`, taken from the client when sane) and a child
 * logger carrying it, made only when it writes a line (stream routes add the stream id to it), and logs one line per request: method, path (never the query string,
 * which holds questions), status and time. Questions, answers, tokens and passwords are never
 * logged at info level.
 * @module
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv, Log } from '../services.ts';
import { lazyChild } from './lazy-child.ts';

const SANE_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function requestLog(log: Log): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given && SANE_ID.test(given) ? given : crypto.randomUUID();
    const child = lazyChild(log, { req: requestId });
    c.set('requestId', requestId);
    c.set('log', child);
    const began = performance.now();
    c.header('X-Request-Id', requestId);
    await next();
    // The route may have replaced the logger with one carrying the stream id.
    (c.var.log ?? child).info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - began) * 10) / 10,
      },
      'request',
    );
  };
}
