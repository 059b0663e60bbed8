/**
 * `GET /api/v1/conversations` (newest first, `limit` and an opaque `cursor`) and
 * `GET /api/v1/conversations/:id`. A conversation of another user is not found.
 * @module
 */
import type { Hono } from 'hono';
import { decodeCursor } from '../conversations/store.ts';
import { badRequest, notFound } from '../errors.ts';
import type { AppEnv, Services } from '../services.ts';

const MAX_LIMIT = 100;

export function conversationRoutes(app: Hono<AppEnv>, { conversations }: Services): void {
  app.get('/api/v1/conversations', async (c) => {
    const rawLimit = c.req.query('limit') ?? '20';
    const limit = /^\d{1,3}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT))
      throw badRequest('bad_request', `limit must be an integer from 1 to ${MAX_LIMIT}`);
    const rawCursor = c.req.query('cursor');
    const cursor = rawCursor ? decodeCursor(rawCursor) : undefined;
    if (rawCursor && !cursor) throw badRequest('bad_request', 'cursor is not one this server gave out');
    return c.json(await conversations.list(c.get('user'), limit, cursor));
  });

  app.get('/api/v1/conversations/:id', async (c) => {
    const conversation = await conversations.get(c.get('user'), c.req.param('id'));
    if (!conversation)
      throw notFound('conversation_not_found', `conversation ${c.req.param('id').slice(0, 128)} not found`);
    return c.json(conversation);
  });
}
