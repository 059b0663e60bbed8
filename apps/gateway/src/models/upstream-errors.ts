/**
 * Maps whatever an upstream call throws (the AI SDK's `APICallError`, fetch failures, a cut
 * socket, an `error` part or event) to an `UpstreamError` whose `type` a client can branch on;
 * a client that calls the server itself maps an HTTP status with `statusError`.
 * Messages name the upstream's status, never its key.
 * @module
 */
import { APICallError } from '@ai-sdk/provider';
import { UpstreamError } from './provider.ts';

/** The error an upstream's HTTP status means (`retryAfter`: its `Retry-After` header, in seconds). */
export function statusError(status: number, retryAfter: string | undefined, cause: unknown): UpstreamError {
  if (status === 401 || status === 403)
    return new UpstreamError('upstream_auth', `the model server refused our credentials (HTTP ${status})`, {
      cause,
    });
  if (status === 429) {
    const seconds = retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
    return new UpstreamError('upstream_rate_limited', 'the model server is rate limiting us (HTTP 429)', {
      cause,
      retryAfterSeconds: seconds,
    });
  }
  if (status === 408 || status === 504)
    return new UpstreamError('upstream_timeout', `the model server timed out (HTTP ${status})`, { cause });
  return new UpstreamError('upstream_error', `the model server failed (HTTP ${status})`, { cause });
}

/** What a mid-stream `error` part carries (OpenAI `{error:{type}}`, Anthropic `{type:"overloaded_error"}`). */
function describeStreamError(error: unknown): string {
  const record = (error ?? {}) as {
    message?: unknown;
    type?: unknown;
    error?: { message?: unknown; type?: unknown };
  };
  const inner = record.error ?? record;
  const type = typeof inner.type === 'string' ? inner.type : 'error';
  const message = typeof inner.message === 'string' ? inner.message : '';
  return `the model server reported ${type}${message ? `: ${message.slice(0, 200)}` : ''}`;
}

/** The model server could not be reached: no response at all. */
export function unreachableError(cause: unknown): UpstreamError {
  return new UpstreamError('upstream_unavailable', 'cannot reach the model server', { cause });
}

export function toUpstreamError(error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (APICallError.isInstance(error)) {
    if (error.statusCode !== undefined)
      return statusError(error.statusCode, error.responseHeaders?.['retry-after'], error);
    return unreachableError(error);
  }
  const code = (error as { cause?: { code?: string } })?.cause?.code ?? (error as { code?: string })?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH')
    return unreachableError(error);
  if (error instanceof Error)
    return new UpstreamError('upstream_error', 'the model stream broke off mid-answer', { cause: error });
  return new UpstreamError('upstream_error', describeStreamError(error), { cause: error });
}
