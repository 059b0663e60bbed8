/**
 * One POST of JSON to an OpenAI-compatible server (chat, images, speech), with the gateway's
 * failure mapping: no response at all is `upstream_unavailable`, a non-2xx status is what
 * `statusError` says it means, with the start of the response's body (at most
 * `MAX_ERROR_BODY_BYTES`, the rest never read) kept as the error's cause, never shown to clients.
 * @module
 */
import type { UpstreamError } from './provider.ts';
import { statusError, unreachableError } from './upstream-errors.ts';

export interface UpstreamTarget {
  baseUrl: string;
  apiKey: string | undefined;
}

/** How much of a failed response's body is kept (for the error's cause), in bytes. */
const MAX_ERROR_BODY_BYTES = 4096;

/** What a non-2xx response said, kept as the cause of its `UpstreamError`. */
export class UpstreamHttpError extends Error {
  readonly status: number;
  readonly body: string;

  constructor(status: number, body: string) {
    super(`HTTP ${status}: ${body}`);
    this.name = 'UpstreamHttpError';
    this.status = status;
    this.body = body;
  }
}

/** POSTs JSON to `path` under the target's base URL; the response when it is 2xx, else throws. */
export async function postJson(
  target: UpstreamTarget,
  path: string,
  body: object,
  signal: AbortSignal,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${target.baseUrl.replace(/\/+$/, '')}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(target.apiKey ? { Authorization: `Bearer ${target.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw unreachableError(error);
  }
  if (response.ok) return response;
  throw await failedResponse(response);
}

async function failedResponse(response: Response): Promise<UpstreamError> {
  const body = await bodyStart(response.body, MAX_ERROR_BODY_BYTES).catch(() => '');
  const retryAfter = response.headers.get('retry-after') ?? undefined;
  return statusError(response.status, retryAfter, new UpstreamHttpError(response.status, body));
}

/** The start of a body, at most `limit` bytes; the rest is not read (the connection is closed). */
async function bodyStart(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  try {
    while (size < limit) {
      const { value, done } = await reader.read();
      if (done) break;
      size += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    void reader.cancel().catch(() => {});
  }
  return text.slice(0, limit);
}
