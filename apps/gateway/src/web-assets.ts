/**
 * `WebAssets` from the built page on disk, read once and kept in memory: the repository's
 * apps/web/dist, or else the copy the installed gateway package ships in its dist/web.
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebAsset, WebAssets } from './routes/web.ts';

const REPO_WEB_DIST = new URL('../../web/dist/', import.meta.url);
const PACKAGED_WEB_DIST = new URL('./web/', import.meta.url);

export const WEB_DIST = fileURLToPath(
  existsSync(new URL('index.html', REPO_WEB_DIST)) || !existsSync(new URL('index.html', PACKAGED_WEB_DIST))
    ? REPO_WEB_DIST
    : PACKAGED_WEB_DIST,
);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

export function loadWebAssets(dir = WEB_DIST): WebAssets {
  const files = new Map<string, WebAsset>();
  try {
    for (const path of walk(dir)) {
      const type = TYPES[extname(path)] ?? 'application/octet-stream';
      files.set(`/${relative(dir, path).split('\\').join('/')}`, {
        body: new Uint8Array(readFileSync(path)),
        type,
      });
    }
  } catch {
    // Not built: the routes answer 503 and say how to build.
  }
  return { get: (path) => files.get(path) };
}
