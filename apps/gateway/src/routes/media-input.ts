/**
 * Reads and checks the input of the media streams: an image's prompt and size (GET `?q=` and
 * `&size=`, or POST `{prompt, size?}`), and the text to read aloud (POST `{text}`, or
 * `{message_id}` of one of the user's stored answers). Every problem is an `ApiError`.
 * @module
 */
import type { Context } from 'hono';
import * as z from 'zod';
import { ApiError, badRequest, notFound } from '../errors.ts';
import type { ImageRequest } from '../media/provider.ts';
import type { Conversations } from '../services.ts';
import { fromJsonBody } from './chat-input.ts';

const SIZE = /^(auto|\d{2,4}x\d{2,4})$/;
const ImageBody = z
  .object({ prompt: z.string().optional(), q: z.string().optional(), size: z.string().optional() })
  .strip();
const SpeechBody = z
  .object({
    text: z.string().optional(),
    message_id: z.string().min(1).max(128).optional(),
    stream_id: z.string().min(1).max(128).optional(),
  })
  .strip();

function parsed<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw badRequest('bad_request', `invalid request: ${issue.path.join('.') || 'body'}: ${issue.message}`);
}

function tooLong(what: string, length: number, limit: number): ApiError {
  return new ApiError(
    413,
    'question_too_long',
    `the ${what} has ${length} characters; the limit is ${limit}`,
  );
}

export async function readImageInput(c: Context, maxLength: number): Promise<ImageRequest> {
  const raw =
    c.req.method === 'POST'
      ? await fromJsonBody(c, '{"prompt": "a lighthouse at night"}')
      : { q: c.req.query('q'), size: c.req.query('size') };
  const body = parsed(ImageBody, raw);
  const prompt = (body.prompt ?? body.q ?? '').trim();
  if (!prompt) throw badRequest('missing_question', 'the prompt is missing or empty: send `prompt` (or `q`)');
  if (prompt.length > maxLength) throw tooLong('prompt', prompt.length, maxLength);
  if (body.size !== undefined && !SIZE.test(body.size))
    throw badRequest(
      'bad_request',
      `invalid request: size "${body.size}" is not WIDTHxHEIGHT (such as 1024x1024) or auto`,
    );
  return { prompt, size: body.size };
}

/** What to read aloud: a text (given, or a stored answer's), or a chat answer's stream as it is written. */
export type SpeechInput = { text: string } | { streamId: string };

/** The input of a read-aloud stream: exactly one of `text`, `message_id` (the user's own answer), `stream_id`. */
export async function readSpeechInput(
  c: Context,
  conversations: Pick<Conversations, 'findMessage'> & { get: ConversationGet },
  maxLength: number,
): Promise<SpeechInput> {
  const body = parsed(SpeechBody, await fromJsonBody(c, '{"text": "Hello there."}'));
  const given = [body.text, body.message_id, body.stream_id].filter((v) => v !== undefined).length;
  if (given > 1) throw badRequest('bad_request', 'send one of `text`, `message_id` or `stream_id`');
  if (body.stream_id !== undefined) return { streamId: body.stream_id };
  const text =
    body.message_id !== undefined
      ? await answerText(conversations, c.get('user'), body.message_id)
      : body.text;
  if (!text?.trim())
    throw badRequest(
      'missing_question',
      'nothing to read: send `text`, the `message_id` of an answer, or the `stream_id` of one',
    );
  if (text.length > maxLength) throw tooLong('text', text.length, maxLength);
  return { text };
}

type ConversationGet = (
  userId: string | null,
  id: string,
) => Promise<{ messages: { id: string; role: string; content: string }[] } | undefined>;

async function answerText(
  conversations: Pick<Conversations, 'findMessage'> & { get: ConversationGet },
  user: string | null,
  messageId: string,
): Promise<string> {
  const found = await conversations.findMessage(user, messageId);
  const conversation = found && (await conversations.get(user, found.conversationId));
  const message = conversation?.messages.find((m) => m.id === messageId);
  if (!message) throw notFound('message_not_found', `message ${messageId} is unknown`);
  if (message.role !== 'assistant') throw badRequest('bad_request', `message ${messageId} is not an answer`);
  return message.content;
}
