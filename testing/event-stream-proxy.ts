/**
 * Test support: an HTTP proxy that breaks event streams the way some corporate proxies,
 * antivirus and CDNs do, and passes WebSocket upgrades untouched. `buffer` holds a
 * `text/event-stream` response (headers and body) until it ends, then sends it at once;
 * `refuse` answers such a response with a `502` page of its own. Other responses stream
 * through as they come.
 * @module
 */
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';

export type EventStreamMode = 'buffer' | 'refuse';

export interface EventStreamProxy {
  url: string;
  /** Event-stream responses held or refused so far. */
  readonly eventStreams: number;
  /** WebSocket upgrades passed so far. */
  readonly upgrades: number;
  close(): Promise<void>;
}

export async function startEventStreamProxy(
  target: string,
  mode: EventStreamMode,
): Promise<EventStreamProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let eventStreams = 0;
  let upgrades = 0;

  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const outgoing = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        if (!answer.headers['content-type']?.startsWith('text/event-stream')) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        eventStreams++;
        if (mode === 'refuse') {
          answer.destroy();
          res
            .writeHead(502, { 'content-type': 'text/html' })
            .end('<h1>502 Bad Gateway</h1><p>event streams are not allowed here</p>');
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const { 'transfer-encoding': _, ...headers } = answer.headers;
          const body = Buffer.concat(chunks);
          res.writeHead(answer.statusCode ?? 200, { ...headers, 'content-length': body.length }).end(body);
        });
        // The client gave up: the upstream response is dropped (the generation goes on upstream).
        res.on('close', () => answer.destroy());
      },
    );
    outgoing.on('error', () => res.destroy());
    req.pipe(outgoing);
  };

  const server = createServer(forward);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => {
    upgrades++;
    const to = connect(Number(upstream.port), upstream.hostname, () => {
      let lines = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      to.write(`${lines}\r\n`);
      if (head.length) to.write(head);
      to.pipe(client).pipe(to);
    });
    sockets.add(to);
    to.on('close', () => {
      sockets.delete(to);
      client.destroy();
    });
    client.on('close', () => to.destroy());
    to.on('error', () => client.destroy());
    client.on('error', () => to.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    get eventStreams() {
      return eventStreams;
    },
    get upgrades() {
      return upgrades;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
