/**
 * WebSocket upgrades on the Node server: each `upgrade` request goes through the same Hono
 * app as every request (so auth, logs and limits apply), with an `upgradeWebSocket` binding
 * the WebSocket route calls to complete the handshake with `ws`; a refusal is written back
 * as the HTTP response it is. One shared timer pings every socket on the engine's heartbeat
 * interval and ends sockets that left two pings in a row unanswered.
 * @module
 */
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WS_CLOSE_RESUME } from '@tidewire/protocol';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Log } from '../services.ts';
import type { UpgradeBindings } from './route.ts';
import { wsSessionSocket } from './ws-socket.ts';

/** A socket that answered none of this many pings in a row is gone (its peer or the network). */
const MAX_MISSED_PONGS = 2;

export interface WebSocketGatewayOptions {
  /** The app (`app.fetch`) that answers the upgrade request. */
  fetch: (request: Request, bindings: object) => Response | Promise<Response>;
  /** Interval of the pings (0: none). */
  heartbeatMs: number;
  /** Largest message a client may send. */
  maxPayload: number;
  /** Where an upgrade that failed unexpectedly is logged. */
  log: Pick<Log, 'error'>;
}

export interface WebSocketGateway {
  /** The server's `upgrade` listener. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** How many sockets are open. */
  readonly size: number;
  /** Closes every socket with "reconnect and follow again" (shutdown). */
  close(): void;
}

export function createWebSocketGateway(options: WebSocketGatewayOptions): WebSocketGateway {
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxPayload,
    perMessageDeflate: false,
  });
  /** Pings each socket has left unanswered in a row. */
  const unanswered = new WeakMap<WebSocket, number>();
  const timer =
    options.heartbeatMs > 0
      ? setInterval(() => {
          for (const socket of server.clients) {
            const missed = unanswered.get(socket) ?? 0;
            if (missed >= MAX_MISSED_PONGS) {
              socket.terminate();
              continue;
            }
            unanswered.set(socket, missed + 1);
            socket.ping();
          }
        }, options.heartbeatMs)
      : undefined;
  timer?.unref();

  async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    let upgraded = false;
    const bindings: UpgradeBindings & { incoming: IncomingMessage } = {
      incoming: req,
      upgradeWebSocket(onSocket) {
        upgraded = true;
        let accepted = false;
        // `ws` completes a valid handshake at once (no verifyClient), so `accepted` is known on return.
        server.handleUpgrade(req, socket, head, (ws) => {
          accepted = true;
          ws.on('pong', () => unanswered.delete(ws));
          onSocket(wsSessionSocket(ws));
        });
        // Never sent: `ws` wrote the handshake's 101 (a Node `Response` cannot carry 101).
        return accepted ? new Response(null) : undefined;
      },
    };
    socket.on('error', () => socket.destroy());
    try {
      const response = await options.fetch(requestOf(req), bindings);
      if (!upgraded) await refuse(socket, response);
    } catch (error) {
      options.log.error({ err: error }, 'websocket upgrade failed');
      if (!upgraded) socket.destroy();
    }
  }

  return {
    handleUpgrade: (req, socket, head) => void handleUpgrade(req, socket, head),
    get size() {
      return server.clients.size;
    },
    close() {
      clearInterval(timer);
      for (const socket of server.clients) socket.close(WS_CLOSE_RESUME, 'server shutting down: resume');
    },
  };
}

/** The upgrade request as a Web `Request` (headers only: an upgrade has no body). */
function requestOf(req: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, { headers });
}

/** Writes a refused upgrade's HTTP response (the contract's error JSON) and closes the socket. */
async function refuse(socket: Duplex, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const status = response.status === 200 ? 500 : response.status;
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: ${body.length}\r\n`;
  response.headers.forEach((value, name) => {
    if (name !== 'content-length' && name !== 'connection') head += `${name}: ${value}\r\n`;
  });
  if (socket.writable) socket.end(Buffer.concat([Buffer.from(`${head}\r\n`), body]));
  else socket.destroy();
}
