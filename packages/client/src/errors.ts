/**
 * `StreamError`: every failure a consumer reports, with a `type` to branch on (one literal
 * union: the contract's error types, and the client's own below), a human message, and the
 * HTTP status when there was one. It is a `TidewireError`: `TidewireError.isInstance(value)`
 * recognises it across bundles and realms.
 * @module
 */
import { type ErrorType, TidewireError } from '@tidewire/protocol';

/** Failures the client finds itself (no server said them). */
export type ClientErrorType =
  /** The server cannot be reached, or the connection dropped. */
  | 'network_error'
  /** No bytes for `heartbeatTimeout` ms. */
  | 'heartbeat_timeout'
  /** An event's sequence number skipped some: resumed from the last good one. */
  | 'sequence_gap'
  /** An event whose id or data is malformed (it is skipped). */
  | 'bad_event'
  /** A 200 that is not an event stream. */
  | 'bad_response'
  /** The SSE response is held on the way (buffered): `auto` moves to the WebSocket. */
  | 'sse_buffered'
  /** The connection was lost before the stream's id arrived: it cannot be resumed. */
  | 'stream_lost'
  /** `maxReconnectAttempts` reconnects in a row got nothing. */
  | 'reconnect_failed'
  /** One event grew past `maxEventSize`: final (resuming would read the same event). */
  | 'event_too_large'
  /** An HTTP error without the contract's error body. */
  | `http_${number}`;

/**
 * Every `type` a `StreamError` has. A server's error type is passed on as the server said it
 * (the contract's `ErrorType`; a newer server may add types, so keep a default branch).
 */
export type StreamErrorType = ErrorType | ClientErrorType;

export interface StreamErrorOptions {
  status?: number;
  retrying?: boolean;
  /** From a 429's `Retry-After`: how long to wait before trying again. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class StreamError extends TidewireError<StreamErrorType> {
  /** Whether the consumer goes on after this error (reconnects, or the stream still ends). */
  readonly retrying: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(type: StreamErrorType, message: string, options: StreamErrorOptions = {}) {
    super(type, message, { status: options.status, cause: options.cause });
    this.name = 'StreamError';
    this.retrying = options.retrying ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The same error, marked as one the consumer retries after. */
  asRetrying(): StreamError {
    const { status, retryAfterMs, cause } = this;
    return new StreamError(this.type, this.message, { status, retryAfterMs, cause, retrying: true });
  }
}

/** Errors no retry can help, whatever their status. */
const FINAL_TYPES: ReadonlySet<StreamErrorType> = new Set(['event_too_large']);

/**
 * Whether trying again can help: network trouble, heartbeat silence, sequence gaps (no
 * status), 429 and 5xx. Other statuses (4xx, and a 200 that is not an event stream) are
 * final, and so is an event too large to read.
 */
export function isRetryable(error: StreamError): boolean {
  if (FINAL_TYPES.has(error.type)) return false;
  const { status } = error;
  return status === undefined || status === 429 || status >= 500;
}

/** A server's error type, as the contract names them (not checked: a newer server may add some). */
export function serverErrorType(type: string): StreamErrorType {
  return type as ErrorType;
}

/** Reads the contract's `{"error":{"type","message"}}` body, or makes one from the status. */
export async function errorFromResponse(response: Response, retryAfterMs?: number): Promise<StreamError> {
  let type: StreamErrorType = `http_${response.status}`;
  let message = `HTTP ${response.status} ${response.statusText}`.trim();
  try {
    const body = (await response.json()) as { error?: { type?: unknown; message?: unknown } };
    if (typeof body.error?.type === 'string') type = serverErrorType(body.error.type);
    if (typeof body.error?.message === 'string') message = body.error.message;
  } catch {
    // Not the contract's JSON: keep the status line.
  }
  return new StreamError(type, message, { status: response.status, retryAfterMs });
}
