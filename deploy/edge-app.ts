/**
 * The app an edge deployment serves: the shared core plus the stream endpoints (new streams,
 * resumes, cancel), on the Web-standard stream handler, and the WebSocket route where the
 * runtime can accept sockets (Cloudflare's `WebSocketPair`). Where it cannot (Vercel's edge
 * runtime), `/api/v1/ws` is a `404` that says so, and clients stay on SSE.
 * @module
 */
import { WEBSOCKET_PATH } from '@tidewire/protocol';
import type { Hono } from 'hono';
import { createBaseApp } from '../apps/gateway/src/base-app.ts';
import { ApiError } from '../apps/gateway/src/errors.ts';
import { createChatStarter } from '../apps/gateway/src/routes/chat-starter.ts';
import { streamRoutes } from '../apps/gateway/src/routes/streams.ts';
import type { AppEnv } from '../apps/gateway/src/services.ts';
import { webSocketRoute } from '../apps/gateway/src/websocket/route.ts';
import { createEdgeServices } from './edge-services.ts';

export interface EdgeAppOptions {
  /**
   * Whether the runtime accepts WebSockets: its entry then passes `upgradeWebSocket` in the
   * bindings of upgrade requests (cloudflare-worker.ts).
   */
  webSockets: boolean;
}

export function createEdgeApp(
  env: Record<string, string | undefined> = {},
  { webSockets }: EdgeAppOptions = { webSockets: false },
): Hono<AppEnv> {
  const services = createEdgeServices(env);
  const app = createBaseApp(services);
  const starter = createChatStarter(services);
  streamRoutes(app, services, starter);
  if (webSockets) webSocketRoute(app, services, starter);
  else
    app.get(WEBSOCKET_PATH, () => {
      throw new ApiError(
        404,
        'not_found',
        'this deployment has no WebSocket server (an edge runtime without one): use the SSE routes',
      );
    });
  return app;
}
