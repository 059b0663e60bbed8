/**
 * One POST of JSON to an OpenAI-compatible server (chat, images, speech), with the gateway's
 * failure mapping: no response at all is `upstream_unavailable`, a non-2xx status is what
 * `statusError` says it means, with the start of the response's body (at most
 * `MAX_ERROR_BODY_BYTES`, the rest never read) kept as the error's cause, never shown to clients.
 * @module
 */
import { UpstreamError } from './provider.ts';
import { statusError, unreachableError } from './upstream-errors.ts';

export interface UpstreamTarget {
  baseUrl: string;
  apiKey: string | undefined;
}

/** A response body being read: a fetch body's reader, or a Node response's (`node-post.ts`). */
export interface BodyReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  /** Stops reading; the connection closes unless the body was read to its end. */
  cancel(): Promise<void>;
}

/** POSTs JSON to `path` under the target's base URL; the body of a 2xx response, else throws as `postJson` does. */
export type PostBody = (
  target: UpstreamTarget,
  path: string,
  body: object,
  signal: AbortSignal,
) => Promise<BodyReader>;

/** `PostBody` with `fetch` (every runtime). */
export const fetchPostBody: PostBody = async (target, path, body, signal) => {
  const response = await postJson(target, path, body, signal);
  if (!response.body) throw new UpstreamError('upstream_error', 'the model server answered with no body');
  return response.body.getReader();
};

/** The request's URL: `path` under the target's base URL. */
export const upstreamUrl = (target: UpstreamTarget, path: string): string =>
  `${target.baseUrl.replace(/\/+$/, '')}${path}`;

/** The request's headers. */
export const upstreamHeaders = (target: UpstreamTarget): Record<string, string> => ({
  'Content-Type': 'application/json',
  ...(target.apiKey ? { Authorization: `Bearer ${target.apiKey}` } : {}),
});

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
    response = await fetch(upstreamUrl(target, path), {
      method: 'POST',
      headers: upstreamHeaders(target),
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

function failedResponse(response: Response): Promise<UpstreamError> {
  const retryAfter = response.headers.get('retry-after') ?? undefined;
  return failedStatus(response.status, retryAfter, response.body?.getReader());
}

/** The error a non-2xx status means, with the start of its body (`reader`) as its cause. */
export async function failedStatus(
  status: number,
  retryAfter: string | undefined,
  reader: BodyReader | undefined,
): Promise<UpstreamError> {
  const body = reader ? await bodyStart(reader, MAX_ERROR_BODY_BYTES).catch(() => '') : '';
  return statusError(status, retryAfter, new UpstreamHttpError(status, body));
}

/** The start of a body, at most `limit` bytes; the rest is not read (the connection is closed). */
async function bodyStart(reader: BodyReader, limit: number): Promise<string> {
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
