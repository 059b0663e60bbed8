/**
 * Test support: a TCP proxy in front of a server that cuts connections the way networks do:
 * all open ones on command (`cutAll`), the next one after some response bytes
 * (`cutNextAfterBytes`), or every new one after some response bytes (`cutAfterBytes`), which
 * lands mid-frame and mid-character. It can also stall (stop forwarding without closing) to
 * imitate a silent network.
 * @module
 */
import { connect, createServer, type Socket } from 'node:net';

export interface CuttingProxy {
  url: string;
  /** Destroys every open connection now. */
  cutAll(): void;
  /** Once: the connection that forwards the next `bytes` response bytes (headers included) is cut there. */
  cutNextAfterBytes(bytes: number): void;
  /**
   * Every connection is cut after forwarding `bytes` more response bytes: open ones (counted
   * from now; pooled keep-alive connections are reused) and new ones. `null` stops that.
   */
  cutAfterBytes(bytes: number | null): void;
  /** Once: the connection that forwards the next response chunk is cut right after it. */
  cutNextAfterChunk(): void;
  /** The ordinal (1 = the first accepted) of the connection a byte or chunk cut cut last. */
  readonly lastCut: number | undefined;
  /** Holds responses back (connections stay open, nothing is lost) until `resume()`. */
  stall(): void;
  resume(): void;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections cut so far (by any of the cuts above). */
  readonly cuts: number;
  close(): Promise<void>;
}

export async function startCuttingProxy(target: string): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  const upstreams = new Set<Socket>();
  /** Response bytes each open connection may still forward. */
  const budgets = new Map<Socket, number>();
  /** Bytes left before the one-off cut, shared by all connections. */
  let cutNext: number | undefined;
  /** The budget each new connection gets. */
  let cutEach: number | null = null;
  let cutAfterChunk = false;
  let stalled = false;
  let connections = 0;
  let cuts = 0;
  let lastCut: number | undefined;

  const server = createServer((client) => {
    const ordinal = ++connections;
    const upstream = connect(Number(port), hostname);
    if (stalled) upstream.pause();
    open.add(client);
    upstreams.add(upstream);
    budgets.set(client, cutEach ?? Number.POSITIVE_INFINITY);
    let severed = false;
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => {
      open.delete(client);
      budgets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      upstreams.delete(upstream);
      client.destroy();
    });
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (severed) return;
      if (cutAfterChunk) {
        cutAfterChunk = false;
        severed = true;
        cuts++;
        lastCut = ordinal;
        client.write(chunk, drop);
        return;
      }
      const budget = budgets.get(client) ?? Number.POSITIVE_INFINITY;
      const allowed = Math.min(budget, cutNext ?? Number.POSITIVE_INFINITY);
      if (chunk.length < allowed) {
        budgets.set(client, budget - chunk.length);
        if (cutNext !== undefined) cutNext -= chunk.length;
        client.write(chunk);
        return;
      }
      // This chunk crosses a cut: forward the bytes before it, then drop both sides.
      if (cutNext !== undefined) cutNext = cutNext === allowed ? undefined : cutNext - allowed;
      severed = true;
      cuts++;
      lastCut = ordinal;
      client.write(chunk.subarray(0, allowed), drop);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    cutAll() {
      cuts += open.size;
      for (const socket of open) socket.destroy();
    },
    cutNextAfterBytes(bytes) {
      cutNext = bytes;
    },
    cutNextAfterChunk() {
      cutAfterChunk = true;
    },
    get lastCut() {
      return lastCut;
    },
    cutAfterBytes(bytes) {
      cutEach = bytes;
      for (const client of budgets.keys()) budgets.set(client, bytes ?? Number.POSITIVE_INFINITY);
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
    get cuts() {
      return cuts;
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
