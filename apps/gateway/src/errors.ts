/**
 * `ApiError`: a failure outside a stream, with the HTTP status and the contract's error
 * `type`. It is thrown anywhere in a request and rendered once, by `errorResponse`, as
 * `{"error":{"type","message"}}`.
 * @module
 */
import { type ErrorType, errorBody, TidewireError } from '@tidewire/protocol';

export class ApiError extends TidewireError<ErrorType> {
  declare readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, type: ErrorType, message: string, headers: Record<string, string> = {}) {
    super(type, message, { status });
    this.name = 'ApiError';
    this.headers = headers;
  }
}

/** Renders an error with a status (an `ApiError`, or the engine's `TidewireError`s) as the contract's body. */
export function errorResponse(
  error: TidewireError & { status: number; headers?: Record<string, string> },
): Response {
  return Response.json(errorBody(error.type as ErrorType, error.message), {
    status: error.status,
    headers: error.headers,
  });
}

export const badRequest = (type: ErrorType, message: string) => new ApiError(400, type, message);
export const notFound = (type: ErrorType, message: string) => new ApiError(404, type, message);

/**
 * True when reading the request failed because the client closed its connection mid-body
 * (Node's `aborted` / `ECONNRESET` on the request, or an abort of the request's own signal):
 * nobody is left to answer, and it is the client's doing, not a fault of the server. Other
 * resets (a database's, an upstream's) carry other messages and stay errors.
 */
export function clientWentAway(error: unknown, request: Request): boolean {
  const { code, message, name } = (error ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
  if (code === 'ECONNRESET' && message === 'aborted') return true;
  return request.signal.aborted && name === 'AbortError';
}
