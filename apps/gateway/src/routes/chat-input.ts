/**
 * Reads and checks the input of a new chat stream, from a GET query, a POST JSON body or a
 * WebSocket `start` message, into one shape. Every problem becomes an `ApiError` with the
 * contract's status and type.
 * @module
 */
import type { Context } from 'hono';
import * as z from 'zod';
import { ApiError, badRequest } from '../errors.ts';
import type { ChatMessage } from '../models/provider.ts';

export interface ChatInput {
  /** The messages sent by the client; the last user message is the question. */
  messages: ChatMessage[];
  question: string;
  conversationId: string | undefined;
  model: string | undefined;
  /**
   * The stream id the client chose (`stream_id`): a start that names an existing stream of
   * the same user reads that stream instead of starting another generation, so a client can
   * repeat a start whose answer it never saw (say, on another transport) without billing twice.
   */
  streamId: string | undefined;
}

const MessageSchema = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
const BodySchema = z
  .object({
    q: z.string().optional(),
    messages: z.array(MessageSchema).max(500).optional(),
    conversation_id: z.string().min(1).max(128).optional(),
    model: z.string().min(1).max(200).optional(),
    stream_id: z.string().min(1).max(128).optional(),
  })
  .strip();

const ID = /^[A-Za-z0-9_-]{1,128}$/;

export async function readChatInput(c: Context, maxQuestionLength: number): Promise<ChatInput> {
  return parseChatInput(c.req.method === 'GET' ? fromQuery(c) : await fromJsonBody(c), maxQuestionLength);
}

/** Checks a start's fields (a JSON object, or a query's values) into a `ChatInput`. */
export function parseChatInput(raw: unknown, maxQuestionLength: number): ChatInput {
  const parsed = BodySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest('bad_request', `invalid request: ${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const { q, messages = [], conversation_id: conversationId, model, stream_id: streamId } = parsed.data;
  const all: ChatMessage[] = q === undefined ? messages : [...messages, { role: 'user', content: q }];
  const question = [...all].reverse().find((m) => m.role === 'user')?.content ?? '';
  if (question.trim() === '')
    throw badRequest('missing_question', 'the question is missing or empty: send `q`');
  if (question.length > maxQuestionLength) {
    throw new ApiError(
      413,
      'question_too_long',
      `the question has ${question.length} characters; the limit is ${maxQuestionLength}`,
    );
  }
  for (const [name, value] of [
    ['conversation_id', conversationId],
    ['stream_id', streamId],
  ] as const) {
    if (value !== undefined && !ID.test(value))
      throw badRequest('bad_request', `invalid request: ${name} has characters other than A-Z a-z 0-9 _ -`);
  }
  return { messages: all, question, conversationId, model, streamId };
}

function fromQuery(c: Context): Record<string, string | undefined> {
  return {
    q: c.req.query('q'),
    conversation_id: c.req.query('conversation_id'),
    model: c.req.query('model'),
    stream_id: c.req.query('stream_id'),
  };
}

async function fromJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '')
    throw badRequest('invalid_json', 'the request body is empty: send JSON such as {"q": "Hello"}');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('invalid_json', 'the request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('bad_request', 'the request body must be a JSON object such as {"q": "Hello"}');
  }
  return body;
}
