/**
 * `StreamError`: every failure a consumer reports, with a `type` to branch on (the contract's
 * error types, or the client's own: `network_error`, `heartbeat_timeout`, `sequence_gap`,
 * `bad_event`, `bad_response`, `stream_lost`, `reconnect_failed`), a human message, and the
 * HTTP status when there was one.
 * @module
 */

export interface StreamErrorOptions {
  status?: number;
  retrying?: boolean;
  /** From a 429's `Retry-After`: how long to wait before trying again. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class StreamError extends Error {
  readonly type: string;
  readonly status: number | undefined;
  /** Whether the consumer goes on after this error (reconnects, or the stream still ends). */
  readonly retrying: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(type: string, message: string, options: StreamErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'StreamError';
    this.type = type;
    this.status = options.status;
    this.retrying = options.retrying ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The same error, marked as one the consumer retries after. */
  asRetrying(): StreamError {
    const { status, retryAfterMs, cause } = this;
    return new StreamError(this.type, this.message, { status, retryAfterMs, cause, retrying: true });
  }
}

/**
 * Whether trying again can help: network trouble, heartbeat silence, sequence gaps (no
 * status), 429 and 5xx. Other statuses (4xx, and a 200 that is not an event stream) are final.
 */
export function isRetryable(error: StreamError): boolean {
  const { status } = error;
  return status === undefined || status === 429 || status >= 500;
}

/** Reads the contract's `{"error":{"type","message"}}` body, or makes one from the status. */
export async function errorFromResponse(response: Response, retryAfterMs?: number): Promise<StreamError> {
  let type = `http_${response.status}`;
  let message = `HTTP ${response.status} ${response.statusText}`.trim();
  try {
    const body = (await response.json()) as { error?: { type?: unknown; message?: unknown } };
    if (typeof body.error?.type === 'string') type = body.error.type;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // Not the contract's JSON: keep the status line.
  }
  return new StreamError(type, message, { status: response.status, retryAfterMs });
}
