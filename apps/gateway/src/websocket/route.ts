/**
 * `GET /api/v1/ws`: the WebSocket route, checked by the same middleware as every API call
 * (auth, request id, request log), then upgraded by the server entry (node-upgrade.ts, which
 * passes `upgradeWebSocket` in the request's bindings). A cookie-authenticated socket must
 * come from this site (`Origin`): browsers send cookies with cross-site WebSockets, and no
 * CORS rule stops another site's page from reading the answers. The socket counts as one
 * connection of its IP, and each stream it follows as one more, as SSE responses do.
 * @module
 */
import { WEBSOCKET_PATH } from '@tidewire/protocol';
import type { Context, Hono } from 'hono';
import type { WebSocket } from 'ws';
import { ApiError } from '../errors.ts';
import { type ChatStarter, callerOf } from '../routes/chat-starter.ts';
import type { AppEnv, Services } from '../services.ts';
import { WebSocketSession } from './session.ts';

/** What the server entry gives a request it can upgrade. */
export interface UpgradeBindings {
  /**
   * Completes the WebSocket handshake and hands over the socket; false when the handshake
   * itself was invalid (answered `400` by the WebSocket library, no socket).
   */
  upgradeWebSocket?: (onSocket: (socket: WebSocket) => void) => boolean;
}

/** A request authenticated by the session cookie, not by a bearer token. */
const viaCookie = (c: Context<AppEnv>) =>
  c.get('user') !== null && !/^Bearer\s/i.test(c.req.header('authorization') ?? '');

export function webSocketRoute(app: Hono<AppEnv>, services: Services, starter: ChatStarter): void {
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
    if (viaCookie(c) && !services.auth.sameOrigin(c)) {
      throw new ApiError(
        403,
        'forbidden',
        'a cookie-authenticated WebSocket must come from this site (Origin)',
      );
    }
    const caller = callerOf(c, services.config.TRUST_PROXY);
    const leave = starter.enterConnection(caller);
    const upgraded = upgrade((socket) => {
      const opened = Date.now();
      const session = new WebSocketSession(socket, {
        services,
        starter,
        caller,
        onSlowClient: services.config.METRICS_ENABLED ? services.metrics.observer.onSlowClient : undefined,
      });
      services.metrics.webSocketOpened();
      caller.log.info({}, 'websocket opened');
      socket.once('close', (code) => {
        leave();
        services.metrics.webSocketClosed();
        caller.log.info({ code, following: session.following, ms: Date.now() - opened }, 'websocket closed');
      });
    });
    if (!upgraded) leave();
    // Never sent: the handshake's 101 was written by `upgrade` (a Response cannot carry 101).
    return c.body(null, 200);
  });
}
