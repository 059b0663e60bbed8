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
  /** Whether `continueFrom` is honoured. */
  readonly canContinue: boolean;
  stream(request: ModelRequest): AsyncIterable<ModelPart>;
  /**
   * How many of this model's tokens `text` is (its own tokenizer), for `done.tokens` of an
   * answer another instance started. Without it, tokens are estimated (`estimateTokens`).
   */
  countTokens?(text: string): number;
}

/** About four characters a token: the estimate when a model cannot count its tokens. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
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
