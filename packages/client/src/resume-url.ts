/**
 * Where a stream is resumed: `/api/v1/streams/STREAM_ID` (or the WebSocket route) on the server that started it. The
 * path prefix before the API (a gateway mounted at `/chat/` behind a proxy) is kept, so the
 * resume goes where the start went.
 * @module
 */

/** The page's URL, which relative URLs resolve against (undefined outside a browser). */
export const pageUrl = (): string | undefined => globalThis.location?.href;

/** Where the API starts in a stream-starting path: `/api/v1/…` or the seed's `/admin/api/…`. */
const API_ROOT = /\/(?:api\/v1|admin\/api)\//;

/**
 * The stream URL of `streamId` on the server of `startUrl` (absolute, or relative to `base`):
 * `https://host/prefix/api/v1/stream/chat?q=hi` gives `https://host/prefix/api/v1/streams/ID`.
 */
export function streamUrlOf(startUrl: string, streamId: string, base?: string): string {
  return apiUrlOf(startUrl, `/api/v1/streams/${encodeURIComponent(streamId)}`, base);
}

/** The URL of `path` (`/api/v1/…`) on the server of `startUrl`, under the same path prefix. */
export function apiUrlOf(startUrl: string, path: string, base?: string): string {
  const start = new URL(startUrl, base);
  const at = start.pathname.search(API_ROOT);
  const prefix = at > 0 ? start.pathname.slice(0, at) : '';
  return new URL(`${prefix}${path}`, start.origin).href;
}

/** The stream URL of `streamId` on a server given by its base URL (`https://host/prefix/`). */
export function streamUrlAt(baseUrl: string, streamId: string, base?: string): string {
  const root = new URL(baseUrl, base);
  if (!root.pathname.endsWith('/')) root.pathname += '/';
  return new URL(`api/v1/streams/${encodeURIComponent(streamId)}`, root).href;
}
