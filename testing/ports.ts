/**
 * Test support: a free TCP port on loopback (for servers that cannot take port 0 and report
 * it back, like redis-server and nginx).
 * @module
 */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
