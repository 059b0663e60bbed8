/**
 * The routes that serve the built chat page: `/` and `/admin/dashboard` with a strict CSP and
 * no caching, hashed assets cached for a year, a missing asset as the contract's 404, and a
 * page that was never built as a clear 503 that names the build command.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Hono } from 'hono';
import { TEST_ENV } from '../../../testing/gateway.ts';
import { createBaseApp } from '../src/base-app.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics/metrics.ts';
import { webRoutes } from '../src/routes/web.ts';
import type { AppEnv } from '../src/services.ts';
import { loadWebAssets } from '../src/web-assets.ts';

const INDEX =
  '<!doctype html><title>tidewire chat</title><script type="module" src="/assets/app-1a2b.js"></script>';
const SCRIPT = 'console.log("chat page");';

function appServing(dir: string): Hono<AppEnv> {
  const app = createBaseApp({
    config: loadConfig(TEST_ENV),
    metrics: createMetrics(),
    log: createLogger('silent'),
  });
  webRoutes(app, loadWebAssets(dir));
  return app;
}

let dist: string;
before(() => {
  dist = mkdtempSync(join(tmpdir(), 'tw-web-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), INDEX);
  writeFileSync(join(dist, 'assets', 'app-1a2b.js'), SCRIPT);
});
after(() => rmSync(dist, { recursive: true, force: true }));

describe('a built page', () => {
  for (const path of ['/', '/admin/dashboard']) {
    test(`GET ${path} is index.html with a CSP that allows only this site's scripts`, async () => {
      const res = await appServing(dist).request(path);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /object-src 'none'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(await res.text(), INDEX);
    });
  }

  test('assets are served with their type and cached for a year', async () => {
    const res = await appServing(dist).request('/assets/app-1a2b.js');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(await res.text(), SCRIPT);
  });

  test('a missing asset is the contract 404', async () => {
    const res = await appServing(dist).request('/assets/nope-0000.js');
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), {
      error: { type: 'not_found', message: 'no asset /assets/nope-0000.js' },
    });
  });

  test('only files of the build are served: no way out of dist', async () => {
    for (const path of ['/assets/../index.html', '/assets/%2e%2e/%2e%2e/package.json', '/index.html']) {
      assert.equal((await appServing(dist).request(path)).status, 404, path);
    }
  });
});

describe('a page that was not built', () => {
  for (const path of ['/', '/admin/dashboard']) {
    test(`GET ${path} is a 503 that says how to build it`, async () => {
      const res = await appServing(join(dist, 'missing')).request(path);
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), {
        error: { type: 'service_unavailable', message: 'the chat page is not built: run `npm run build`' },
      });
    });
  }
});
