/**
 * Serves the built chat page: `/` and `/admin/dashboard` get index.html, `/assets/*` the
 * hashed bundles (cached for a year). A page that was not built answers 503 with the contract
 * error, naming the command that builds it. Assets come through `WebAssets`, so the app itself
 * stays free of file-system code.
 * @module
 */
import type { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { ApiError } from '../errors.ts';
import type { AppEnv } from '../services.ts';

export interface WebAsset {
  body: Uint8Array<ArrayBuffer>;
  type: string;
}

export interface WebAssets {
  /** A file of the built page by its path (`/index.html`, `/assets/x.js`), if it exists. */
  get(path: string): WebAsset | undefined;
}

const pageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
  },
});

export function webRoutes(app: Hono<AppEnv>, assets: WebAssets): void {
  const page = () => {
    const index = assets.get('/index.html');
    if (!index)
      throw new ApiError(503, 'service_unavailable', 'the chat page is not built: run `npm run build`');
    return new Response(index.body, { headers: { 'content-type': index.type, 'cache-control': 'no-cache' } });
  };
  app.get('/', pageHeaders, page);
  app.get('/admin/dashboard', pageHeaders, page);
  app.get('/assets/*', (c) => {
    const asset = assets.get(c.req.path);
    if (!asset) throw new ApiError(404, 'not_found', `no asset ${c.req.path}`);
    return new Response(asset.body, {
      headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable' },
    });
  });
}
