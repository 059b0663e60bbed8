/**
 * Test support: serves the built chat page's files (apps/web/dist) on a loopback port, for
 * tests that load a page other than the chat itself (the render benchmark page).
 * @module
 */
import { createServer } from 'node:http';
import { loadWebAssets } from '../apps/gateway/src/web-assets.ts';

export async function serveWebDist(): Promise<{ url: string; close: () => Promise<void> }> {
  const assets = loadWebAssets();
  const server = createServer((req, res) => {
    const asset = assets.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!asset) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': asset.type }).end(asset.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
