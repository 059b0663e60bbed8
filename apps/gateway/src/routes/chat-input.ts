/**
 * Reads and checks the input of a new chat stream, from a GET query, a POST JSON body or a
 * WebSocket `start` message, into one shape. Every problem becomes an `ApiError` with the
 * contract's status and type. A start that names `parent_message_id` and sends no question is
 * a regenerate: a new answer to that (user) message. The stream id a client chose comes as
 * `stream_id` or, over HTTP, the `Idempotency-Key` header (both name the same thing).
 * @module
 */
import type { Context } from 'hono';
import * as z from 'zod';
import { ApiError, badRequest } from '../errors.ts';
import type { ChatMessage, ModelProvider, ToolDefinition } from '../models/provider.ts';
import type { ModelRegistry } from '../models/registry.ts';

export interface ChatInput {
  /** The messages sent by the client; the last user message is the question (none: a regenerate). */
  messages: ChatMessage[];
  /** Tools the client offers (OpenAI function tools); it runs them itself. */
  tools: ToolDefinition[] | undefined;
  /** The question ('' for a regenerate). */
  question: string;
  conversationId: string | undefined;
  model: string | undefined;
  /** The message the turn follows; null: a new first question; undefined: the newest message. */
  parentMessageId: string | null | undefined;
  /**
   * The stream id the client chose (`stream_id`, or the `Idempotency-Key` header): a start that names an existing stream of
   * the same user reads that stream instead of starting another generation, so a client can
   * repeat a start whose answer it never saw (say, on another transport) without billing twice.
   */
  streamId: string | undefined;
}

const ToolCallSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.literal('function').default('function'),
  function: z.object({ name: z.string().min(1).max(200), arguments: z.string().max(100_000) }),
});
const MessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.enum(['system', 'user']), content: z.string() }),
  z.object({
    role: z.literal('assistant'),
    content: z
      .string()
      .nullable()
      .transform((c) => c ?? ''),
    tool_calls: z.array(ToolCallSchema).max(64).optional(),
  }),
  z.object({ role: z.literal('tool'), content: z.string(), tool_call_id: z.string().min(1).max(200) }),
]);
const ToolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a tool name is 1-64 of A-Z a-z 0-9 _ -'),
    description: z.string().max(10_000).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});
const BodySchema = z
  .object({
    q: z.string().optional(),
    messages: z.array(MessageSchema).max(500).optional(),
    tools: z.array(ToolSchema).max(128).optional(),
    conversation_id: z.string().min(1).max(128).optional(),
    model: z.string().min(1).max(200).optional(),
    parent_message_id: z.string().min(1).max(128).nullable().optional(),
    stream_id: z.string().min(1).max(128).optional(),
  })
  .strip();

const ID = /^[A-Za-z0-9_-]{1,128}$/;

export async function readChatInput(c: Context, maxQuestionLength: number): Promise<ChatInput> {
  const fields = c.req.method === 'GET' || c.req.method === 'HEAD' ? fromQuery(c) : await fromJsonBody(c);
  const input = parseChatInput(fields, maxQuestionLength);
  return { ...input, streamId: chosenStreamId(idempotencyKeyOf(c), input.streamId) };
}

/** Checks a start's fields (a JSON object, or a query's values) into a `ChatInput`. */
export function parseChatInput(raw: unknown, maxQuestionLength: number): ChatInput {
  const parsed = BodySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw badRequest('bad_request', `invalid request: ${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const { q, messages = [], tools, conversation_id: conversationId, model } = parsed.data;
  const { parent_message_id: parentMessageId, stream_id: streamId } = parsed.data;
  // `concat` makes an array exactly as long (a spread leaves room for a dozen more, held by
  // the stream's meta for as long as it is open).
  const all: ChatMessage[] = q === undefined ? messages : messages.concat({ role: 'user', content: q });
  const question = [...all].reverse().find((m) => m.role === 'user')?.content ?? '';
  const regenerate = all.length === 0 && typeof parentMessageId === 'string';
  // Tool results continue the answer to the question already asked (in the conversation).
  const continuesWithResults = all.at(-1)?.role === 'tool';
  if (question.trim() === '' && !regenerate && !continuesWithResults)
    throw badRequest(
      'missing_question',
      'the question is missing or empty: send `q` (or only `parent_message_id` to regenerate an answer)',
    );
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
  if (typeof parentMessageId === 'string' && !ID.test(parentMessageId)) {
    throw badRequest(
      'bad_request',
      'invalid request: parent_message_id has characters other than A-Z a-z 0-9 _ -',
    );
  }
  return { messages: all, tools, question, conversationId, model, parentMessageId, streamId };
}

/** A client-chosen stream id in a header: long enough not to be guessed, and valid in event ids. */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{16,128}$/;

/** The stream a start names with `Idempotency-Key`, or undefined when it names none. */
function idempotencyKeyOf(c: Context): string | undefined {
  const key = c.req.header('idempotency-key');
  if (key === undefined || key === '') return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw badRequest(
      'bad_request',
      'invalid Idempotency-Key: 16 to 128 characters of A-Z a-z 0-9 _ - (e.g. a random UUID)',
    );
  }
  return key;
}

/** The one stream id a start names: the header and `stream_id` may both name it, never two. */
function chosenStreamId(header: string | undefined, field: string | undefined): string | undefined {
  if (header !== undefined && field !== undefined && header !== field) {
    throw badRequest(
      'bad_request',
      'invalid request: Idempotency-Key and stream_id name different streams; send one, or the same id in both',
    );
  }
  return header ?? field;
}

/** The model the input asks for (the default when none); 400 `unknown_model` naming the choices. */
export function modelOf(models: ModelRegistry, input: ChatInput): ModelProvider {
  const model = models.resolve(input.model);
  if (!model)
    throw badRequest(
      'unknown_model',
      `unknown model "${input.model}"; available: ${models.names.join(', ')}`,
    );
  return model;
}

function fromQuery(c: Context): Record<string, string | undefined> {
  return {
    q: c.req.query('q'),
    conversation_id: c.req.query('conversation_id'),
    model: c.req.query('model'),
    parent_message_id: c.req.query('parent_message_id'),
    stream_id: c.req.query('stream_id'),
  };
}

/**
 * The request's body as a JSON object, or the contract's 400 saying what is wrong with it
 * (`example` shows a good body).
 */
export async function fromJsonBody(c: Context, example = '{"q": "Hello"}'): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '')
    throw badRequest('invalid_json', `the request body is empty: send JSON such as ${example}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('invalid_json', 'the request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('bad_request', `the request body must be a JSON object such as ${example}`);
  }
  return body;
}
