/**
 * WebSocket upgrades in a Cloudflare Worker: the `upgradeWebSocket` binding the WebSocket
 * route calls (apps/gateway/src/websocket/route.ts). It makes a `WebSocketPair`, accepts the
 * server's end in this isolate, hands it to the session as a `SessionSocket`, and gives the
 * route the `101` response carrying the client's end.
 * @module
 */
import type { UpgradeBindings } from '../apps/gateway/src/websocket/route.ts';
import { webSessionSocket } from '../apps/gateway/src/websocket/web-socket.ts';

/** workerd's globals, which the DOM types do not have. */
declare const WebSocketPair: new () => { 0: WebSocket; 1: WebSocket & { accept(): void } };

/** The bindings of an upgrade request: `env` plus `upgradeWebSocket`. */
export function workerUpgradeBindings<E extends object>(env: E): E & Required<UpgradeBindings> {
  return {
    ...env,
    upgradeWebSocket(onSocket, { maxMessageBytes }) {
      const { 0: client, 1: server } = new WebSocketPair();
      server.accept();
      onSocket(webSessionSocket(server, { maxMessageBytes }));
      return new Response(null, { status: 101, webSocket: client } as ResponseInit);
    },
  };
}

/** Whether `request` asks for a WebSocket. */
export const isUpgrade = (request: Request) => request.headers.get('upgrade')?.toLowerCase() === 'websocket';
