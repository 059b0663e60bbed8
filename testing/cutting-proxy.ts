/**
 * Test support: a TCP proxy in front of a server that can cut every open connection on
 * command, or each connection after a number of response bytes (mid-frame, mid-character),
 * and can stall (stop forwarding without closing) to imitate a silent network.
 * @module
 */
import { connect, createServer, type Socket } from 'node:net';

export interface CuttingProxy {
  url: string;
  /** Destroys every open connection now. */
  cutAll(): void;
  /** Once: the connection that forwards the next `bytes` response bytes (headers included) is cut there. */
  cutNextAfterBytes(bytes: number): void;
  /** Holds responses back (connections stay open, nothing is lost) until `resume()`. */
  stall(): void;
  resume(): void;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  const upstreams = new Set<Socket>();
  let cutAfter: number | undefined;
  let stalled = false;
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = connect(Number(port), hostname);
    if (stalled) upstream.pause();
    open.add(client);
    upstreams.add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => {
      open.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      upstreams.delete(upstream);
      client.destroy();
    });
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (cutAfter !== undefined && chunk.length >= cutAfter) {
        const keep = chunk.subarray(0, cutAfter);
        cutAfter = undefined;
        client.write(keep, cut);
        return;
      }
      if (cutAfter !== undefined) cutAfter -= chunk.length;
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    cutAll() {
      for (const socket of open) socket.destroy();
    },
    cutNextAfterBytes(bytes) {
      cutAfter = bytes;
    },
    stall() {
      stalled = true;
      for (const upstream of upstreams) upstream.pause();
    },
    resume() {
      stalled = false;
      for (const upstream of upstreams) upstream.resume();
    },
    get connections() {
      return connections;
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
