/**
 * The response headers of every stream, as the contract lists them. `Connection` exists only
 * in HTTP/1.1 (HTTP/2 forbids it).
 * @module
 */

export function sseHeaders(http1: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  };
  if (http1) headers.Connection = 'keep-alive';
  return headers;
}
