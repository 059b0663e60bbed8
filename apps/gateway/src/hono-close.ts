/**
 * Hono's Node adapter puts a `close` listener on every response: when the client leaves before
 * the response is finished it aborts the Request's `signal`, and it drains a request body left
 * unread. A stream on the direct Node path has a close listener of its own (its sink's), and
 * once the route hands the response to the sink nothing reads the Request or its signal: Hono's
 * listener would only hold the Request wrapper, its URL and headers for the connection's life
 * (with a listener array of two: about 380 B per open stream). It is dropped, unless the
 * request still has a body to drain.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Removes the response's `close` listeners, all Hono's (call it before the sink adds its own). */
export function dropHonoCloseListener(incoming: IncomingMessage, res: ServerResponse): void {
  const bodyless = incoming.method === 'GET' || incoming.method === 'HEAD';
  if (!bodyless && !incoming.readableEnded) return;
  for (const listener of res.listeners('close')) res.off('close', listener as () => void);
}
