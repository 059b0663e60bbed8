/**
 * Shared start-up of a yardstick server: listens on loopback port 0 and prints the same
 * `listening on` line as the gateway, so the bench drives every server the same way.
 * @module
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export function serveYardstick(handler: Handler): Server {
  let next = 0;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    url.searchParams.set('stream_id', `y${process.pid}-${next++}`);
    void handler(req, res, url);
  });
  // The gateway's listen backlog, so opening many streams at once compares serving, not dropped SYNs.
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
    const { port } = server.address() as { port: number };
    process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
  });
  return server;
}
