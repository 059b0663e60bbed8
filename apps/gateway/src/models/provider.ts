/**
 * `ModelProvider`: what the gateway needs from a model. One call streams the answer to a
 * list of messages as parts (text, reasoning, tool calls with their streamed arguments, tool
 * results, sources, files), then one finish part. Failures are thrown as `UpstreamError`,
 * whose `type` is the contract's upstream error type.
 * @module
 */
import type { AnswerSoFar } from '../answer-so-far.ts';

/** A tool call an assistant message made, in the OpenAI Chat Completions shape. */
export interface ToolCallRequest {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A tool the model may call, in the OpenAI Chat Completions shape (a JSON Schema for its input). */
export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** On an assistant message: the tools it called. */
  tool_calls?: ToolCallRequest[];
  /** On a tool message: the call whose result `content` is. */
  tool_call_id?: string;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls';

export type ModelPart =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  /** A piece of a tool call's JSON arguments, as the model streams them. */
  | { type: 'tool-input-delta'; id: string; name: string; text: string }
  /** A whole tool call; `input` is its parsed arguments. */
  | { type: 'tool-call'; id: string; name: string; input: unknown }
  | { type: 'tool-result'; id: string; name: string; output: unknown; isError: boolean }
  | { type: 'source'; id: string; url: string; title?: string }
  | { type: 'file'; id: string; mediaType: string; url: string }
  | { type: 'finish'; reason: FinishReason; usage?: { outputTokens?: number; inputTokens?: number } };

export interface ModelRequest {
  messages: ChatMessage[];
  signal: AbortSignal;
  /** Tools the client offers (it runs them itself: a call ends the answer with `tool_calls`). */
  tools?: ToolDefinition[];
  /** Text of the answer already sent: the model continues from it (takeover after a crash). */
  continueFrom?: string;
  /** Everything of the answer already sent (takeover): reasoning and tool parts are not repeated. */
  sent?: AnswerSoFar;
}

export interface ModelProvider {
  /** The model name reported in `hello.model` and `metadata.model_used`. */
  readonly name: string;
  /** Who serves it (`demo`, `openai`, `anthropic`), as `GET /api/v1/models` lists it. */
  readonly provider?: string;
  /** Whether `continueFrom` is honoured. */
  readonly canContinue: boolean;
  stream(request: ModelRequest): AsyncIterable<ModelPart>;
  /**
   * How many of this model's tokens `text` is (its own tokenizer), for `done.tokens` of an
   * answer another instance started. Without it, tokens are estimated (`estimateTokens`).
   */
  countTokens?(text: string): number;
  /**
   * The same parts as `stream`, handed over a chunk at a time (every part parsed from one
   * upstream chunk, or due in one tick of a paced model): one async step per chunk, not per part.
   */
  batches?(request: ModelRequest): AsyncIterable<ModelBatch>;
}

/** About four characters a token: the estimate when a model cannot count its tokens. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The parts of one upstream chunk, in order. */
export type ModelBatch = readonly ModelPart[];

/**
 * A model's parts a chunk at a time: its own `batches` (handed on as they are: no wrapping
 * generator, which would add a promise and microtasks to every chunk), else each part of
 * `stream` alone.
 */
export function batchesOf(model: ModelProvider, request: ModelRequest): AsyncIterable<ModelBatch> {
  return model.batches ? model.batches(request) : eachAlone(model.stream(request));
}

async function* eachAlone(parts: AsyncIterable<ModelPart>): AsyncIterable<ModelBatch> {
  for await (const part of parts) yield [part];
}

/** The parts of `batches`, one at a time (`stream` for a model written as `batches`). */
export async function* partsOf(batches: AsyncIterable<ModelBatch>): AsyncIterable<ModelPart> {
  for await (const batch of batches) yield* batch;
}

export type UpstreamErrorType =
  | 'upstream_unavailable'
  | 'upstream_auth'
  | 'upstream_rate_limited'
  | 'upstream_error'
  | 'upstream_timeout';

export class UpstreamError extends Error {
  readonly type: UpstreamErrorType;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    type: UpstreamErrorType,
    message: string,
    options: { cause?: unknown; retryAfterSeconds?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'UpstreamError';
    this.type = type;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
