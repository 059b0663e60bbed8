/**
 * `GET /api/v1/ws`: the WebSocket route, checked by the same middleware as every API call
 * (auth, request id, request log), then upgraded by the server entry, which passes
 * `upgradeWebSocket` in the request's bindings: node-upgrade.ts on Node (`ws`), the Worker
 * entry on Cloudflare (`WebSocketPair`, deploy/worker-websocket.ts). A cookie-authenticated socket must
 * come from this site (`Origin`): browsers send cookies with cross-site WebSockets, and no
 * CORS rule stops another site's page from reading the answers. The socket counts as one
 * connection of its IP, and each stream it follows as one more, as SSE responses do.
 * @module
 */
import { WEBSOCKET_PATH } from '@tidewire/protocol';
import type { Context, Hono } from 'hono';
import type { Auth } from '../auth/auth.ts';
import { ApiError } from '../errors.ts';
import { waitUntilOf } from '../execution-context.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { type ChatStarter, callerOf } from '../routes/chat-starter.ts';
import type { AppEnv, StreamServices } from '../services.ts';
import { WebSocketSession } from './session.ts';
import type { SessionSocket } from './socket.ts';

/** What the server entry gives a request it can upgrade. */
export interface UpgradeBindings {
  /**
   * Completes the WebSocket handshake and hands over the socket. Returns the response the
   * route answers with (workerd's `101` carrying the client's end; on Node a placeholder never
   * sent, the library wrote the `101`), or undefined when the handshake itself was invalid
   * (answered `400` by the WebSocket library, no socket). `maxMessageBytes` bounds the
   * client's messages where the platform does not (Node's `ws` has it from its options).
   */
  upgradeWebSocket?: (
    onSocket: (socket: SessionSocket) => void,
    limits: { maxMessageBytes: number },
  ) => Response | undefined;
}

/**
 * What the route needs: the stream services, with auth (the `Origin` check of cookie
 * sockets) and the engine's slow-client metric where the deployment has them (Node, not edge).
 */
export type WebSocketServices = StreamServices & {
  auth?: Pick<Auth, 'sameOrigin'>;
  metrics: Partial<Pick<Metrics, 'observer'>>;
};

/** A request authenticated by the session cookie, not by a bearer token. */
const viaCookie = (c: Context<AppEnv>) =>
  c.get('user') !== null && !/^Bearer\s/i.test(c.req.header('authorization') ?? '');

export function webSocketRoute(app: Hono<AppEnv>, services: WebSocketServices, starter: ChatStarter): void {
  app.get(WEBSOCKET_PATH, (c) => {
    const upgrade = (c.env as UpgradeBindings | undefined)?.upgradeWebSocket;
    if (!upgrade || c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      throw new ApiError(
        426,
        'bad_request',
        'this route speaks WebSocket: send an Upgrade: websocket request',
        {
          Upgrade: 'websocket',
        },
      );
    }
    if (viaCookie(c) && !services.auth?.sameOrigin(c)) {
      throw new ApiError(
        403,
        'forbidden',
        'a cookie-authenticated WebSocket must come from this site (Origin)',
      );
    }
    const caller = callerOf(c, services.config.TRUST_PROXY);
    const leave = starter.enterConnection(caller);
    const response = upgrade(
      (socket) => {
        const opened = Date.now();
        const session = new WebSocketSession(socket, {
          services,
          starter,
          caller,
          onSlowClient: services.config.METRICS_ENABLED ? services.metrics.observer?.onSlowClient : undefined,
          waitUntil: waitUntilOf(c),
        });
        services.metrics.webSocketOpened();
        caller.log.info({}, 'websocket opened');
        socket.onClose((code) => {
          leave();
          services.metrics.webSocketClosed();
          caller.log.info(
            { code, following: session.following, ms: Date.now() - opened },
            'websocket closed',
          );
        });
      },
      { maxMessageBytes: services.config.MAX_BODY_BYTES },
    );
    if (!response) leave();
    return response ?? c.body(null, 400);
  });
}
