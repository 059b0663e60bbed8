/**
 * `GET /api/v1/conversations` (newest first, `limit` and an opaque `cursor`) and
 * `GET /api/v1/conversations/:id`, with the answer still streaming (`active_stream_id`,
 * `active_last_seq`: another tab or device attaches to it). A conversation of another user
 * is not found.
 * @module
 */
import type { Hono } from 'hono';
import { decodeCursor } from '../conversations/store.ts';
import { badRequest, notFound } from '../errors.ts';
import type { AppEnv, Services } from '../services.ts';

/**
 * The answer of a conversation that is still streaming: its stream id and last sequence
 * number, read from the stream store (any instance answers with a shared store).
 */
async function activeStream(
  { conversations, engine }: Pick<Services, 'conversations' | 'engine'>,
  id: string,
) {
  const streamId = await conversations.unfinishedAnswerStream(id);
  const tail = streamId ? await engine.position(streamId) : undefined;
  return tail && !tail.ended
    ? { active_stream_id: streamId!, active_last_seq: tail.lastSeq }
    : { active_stream_id: null, active_last_seq: null };
}

const MAX_LIMIT = 100;

export function conversationRoutes(app: Hono<AppEnv>, services: Services): void {
  const { conversations } = services;
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
    return c.json({ ...conversation, ...(await activeStream(services, conversation.id)) });
  });
}
