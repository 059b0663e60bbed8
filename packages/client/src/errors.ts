/**
 * `StreamError`: every failure a consumer reports, with a `type` to branch on (the contract's
 * error types, or the client's own: `sequence_gap`, `heartbeat_timeout`, `network_error`,
 * `bad_response`, `reconnect_failed`), a human message, and the HTTP status when there was one.
 * @module
 */

export class StreamError extends Error {
  readonly type: string;
  readonly status: number | undefined;
  /** Whether the consumer will try again after this error. */
  readonly retrying: boolean;

  constructor(
    type: string,
    message: string,
    options: { status?: number; retrying?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'StreamError';
    this.type = type;
    this.status = options.status;
    this.retrying = options.retrying ?? false;
  }
}

/** Reads the contract's `{"error":{"type","message"}}` body, or makes one from the status. */
export async function errorFromResponse(response: Response, retrying: boolean): Promise<StreamError> {
  let type = `http_${response.status}`;
  let message = `HTTP ${response.status} ${response.statusText}`.trim();
  try {
    const body = (await response.json()) as { error?: { type?: unknown; message?: unknown } };
    if (typeof body.error?.type === 'string') type = body.error.type;
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // Not the contract's JSON: keep the status line.
  }
  return new StreamError(type, message, { status: response.status, retrying });
}
