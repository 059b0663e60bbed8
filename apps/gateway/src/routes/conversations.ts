/**
 * The conversation endpoints: list (newest first, `limit`, an opaque `cursor`, and `q` to
 * search titles and messages), read one (every message, each with its `parent_id`), rename
 * (`PATCH {title}`) and delete (204, cancelling its running answers first, so nothing goes
 * on writing into it). A conversation whose answer is still streaming names it
 * (`active_stream_id`, `active_last_seq`: another tab or device attaches to it). A
 * conversation of another user is not found.
 * @module
 */
import type { Context, Hono } from 'hono';
import * as z from 'zod';
import { decodeCursor } from '../conversations/store.ts';
import { badRequest, notFound } from '../errors.ts';
import type { AppEnv, Services } from '../services.ts';
import { fromJsonBody } from './chat-input.ts';

/**
 * The answer of a conversation that is still streaming: its stream id and last sequence
 * number, read from the stream store (any instance answers with a shared store).
 */
async function activeStream(
  { conversations, engine }: Pick<Services, 'conversations' | 'engine'>,
  id: string,
) {
  // Cancelled and failed answers are incomplete too, but their logs have ended.
  for (const streamId of await conversations.unfinishedStreams(id)) {
    const tail = await engine.position(streamId);
    if (tail && !tail.ended) return { active_stream_id: streamId, active_last_seq: tail.lastSeq };
  }
  return { active_stream_id: null, active_last_seq: null };
}

const MAX_LIMIT = 100;
const MAX_SEARCH_LENGTH = 200;
const MAX_SEARCH_WORDS = 10;
const MAX_TITLE_LENGTH = 200;

const RenameSchema = z.object({ title: z.string() }).strip();

function limitOf(c: Context<AppEnv>): number {
  const raw = c.req.query('limit') ?? '20';
  const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    throw badRequest('bad_request', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  return limit;
}

/** The words of `q` (none when absent or blank). */
function searchWordsOf(c: Context<AppEnv>): string[] {
  const q = c.req.query('q') ?? '';
  if (q.length > MAX_SEARCH_LENGTH)
    throw badRequest('bad_request', `q has ${q.length} characters; the limit is ${MAX_SEARCH_LENGTH}`);
  const words = q.split(/\s+/).filter((w) => w !== '');
  if (words.length > MAX_SEARCH_WORDS)
    throw badRequest('bad_request', `q has ${words.length} words; the limit is ${MAX_SEARCH_WORDS}`);
  return words;
}

async function titleOf(c: Context<AppEnv>): Promise<string> {
  const parsed = RenameSchema.safeParse(await fromJsonBody(c, '{"title": "Trip to Lisbon"}'));
  if (!parsed.success) throw badRequest('bad_request', 'invalid request: title must be a string');
  const title = parsed.data.title.replace(/\s+/g, ' ').trim();
  if (title === '') throw badRequest('bad_request', 'the title is empty');
  if (title.length > MAX_TITLE_LENGTH)
    throw badRequest(
      'bad_request',
      `the title has ${title.length} characters; the limit is ${MAX_TITLE_LENGTH}`,
    );
  return title;
}

const conversationNotFound = (id: string) =>
  notFound('conversation_not_found', `conversation ${id.slice(0, 128)} not found`);

export function conversationRoutes(app: Hono<AppEnv>, services: Services): void {
  const { conversations, engine } = services;
  app.get('/api/v1/conversations', async (c) => {
    const limit = limitOf(c);
    const rawCursor = c.req.query('cursor');
    const cursor = rawCursor ? decodeCursor(rawCursor) : undefined;
    if (rawCursor && !cursor) throw badRequest('bad_request', 'cursor is not one this server gave out');
    return c.json(await conversations.list(c.get('user'), limit, cursor, searchWordsOf(c)));
  });

  app.get('/api/v1/conversations/:id', async (c) => {
    const conversation = await conversations.get(c.get('user'), c.req.param('id'));
    if (!conversation) throw conversationNotFound(c.req.param('id'));
    return c.json({ ...conversation, ...(await activeStream(services, conversation.id)) });
  });

  app.patch('/api/v1/conversations/:id', async (c) => {
    const title = await titleOf(c);
    const renamed = await conversations.rename(c.get('user'), c.req.param('id'), title);
    if (!renamed) throw conversationNotFound(c.req.param('id'));
    return c.json(renamed);
  });

  app.delete('/api/v1/conversations/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await conversations.find(c.get('user'), id))) throw conversationNotFound(id);
    for (const streamId of await conversations.unfinishedStreams(id)) await engine.cancel(streamId);
    await conversations.remove(c.get('user'), id);
    return c.body(null, 204);
  });
}
