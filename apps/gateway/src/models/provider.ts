/**
 * `ModelProvider`: what the gateway needs from a model. One call streams the answer to a
 * list of messages as text parts, then one finish part. Failures are thrown as
 * `UpstreamError`, whose `type` is the contract's upstream error type.
 * @module
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export type ModelPart =
  | { type: 'text'; text: string }
  | { type: 'finish'; reason: 'stop' | 'length'; usage?: { outputTokens?: number; inputTokens?: number } };

export interface ModelRequest {
  messages: ChatMessage[];
  signal: AbortSignal;
  /** Text of the answer already sent: the model continues from it (takeover after a crash). */
  continueFrom?: string;
}

export interface ModelProvider {
  /** The model name reported in `hello.model` and `metadata.model_used`. */
  readonly name: string;
  /** Who serves it (`demo`, `openai`, `anthropic`), as `GET /api/v1/models` lists it. */
  readonly provider?: string;
  /** Whether `continueFrom` is honoured. */
  readonly canContinue: boolean;
  stream(request: ModelRequest): AsyncIterable<ModelPart>;
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
