/**
 * The error `type` values of the contract, shared by server and client, and the JSON body
 * of an error outside a stream: `{"error":{"type","message"}}`.
 * @module
 */

export type ErrorType =
  | 'bad_request'
  | 'invalid_json'
  | 'missing_question'
  | 'question_too_long'
  | 'unknown_model'
  | 'invalid_last_event_id'
  | 'invalid_after'
  | 'stream_not_found'
  | 'conversation_not_found'
  | 'message_not_found'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  | 'rate_limited'
  | 'too_many_streams'
  | 'too_many_connections'
  | 'service_unavailable'
  | 'shutting_down'
  | 'stream_too_large'
  | 'generation_interrupted'
  | 'upstream_unavailable'
  | 'upstream_auth'
  | 'upstream_rate_limited'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'stream_exists'
  | 'invalid_event'
  | 'server_shutdown'
  | 'internal_error';

export interface ErrorBody {
  error: { type: ErrorType | (string & {}); message: string };
}

export function errorBody(type: ErrorType, message: string): ErrorBody {
  return { error: { type, message } };
}

/** The marker that recognises a tidewire error across realms and package copies. */
const MARKER = Symbol.for('tidewire.error');

/**
 * The base of every tidewire error: a stable `type` a caller branches on, a human message,
 * and, where the error answers an HTTP request, its `status`. Recognise one with
 * `TidewireError.isInstance(value)`, not `instanceof` (two copies of a package, or an
 * error from another realm, would fail that).
 */
export class TidewireError<T extends string = ErrorType | (string & {})> extends Error {
  readonly type: T;
  readonly status: number | undefined;
  readonly [MARKER] = true;

  constructor(type: T, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TidewireError';
    this.type = type;
    this.status = options.status;
  }

  static isInstance(value: unknown): value is TidewireError {
    return typeof value === 'object' && value !== null && (value as { [MARKER]?: unknown })[MARKER] === true;
  }
}
