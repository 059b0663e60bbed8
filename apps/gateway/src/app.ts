/**
 * The full HTTP app, as the Node entry serves it: the shared core (base-app.ts) with auth,
 * login, metrics, streams (SSE and WebSocket), conversations, models and the chat page.
 * @module
 */
import type { Hono } from 'hono';
import { authenticate } from './auth/auth.ts';
import { loginRoutes } from './auth/login-routes.ts';
import { createBaseApp } from './base-app.ts';
import { metricsRoute } from './metrics/route.ts';
import { artifactRoutes } from './routes/artifacts.ts';
import { createChatStarter } from './routes/chat-starter.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { doctorRoutes } from './routes/doctor.ts';
import { headRoutes } from './routes/head.ts';
import { mediaRoutes } from './routes/media.ts';
import { modelRoutes } from './routes/models.ts';
import { streamRoutes } from './routes/streams.ts';
import { webRoutes } from './routes/web.ts';
import type { AppEnv, Services } from './services.ts';
import { webSocketRoute } from './websocket/route.ts';

/** The full app (Node): auth, login, metrics, streams, conversations, the chat page. */
export function createApp(services: Services): Hono<AppEnv> {
  const app = createBaseApp(services);
  app.use('*', authenticate(services.auth));
  loginRoutes(app, services.auth, services.conversations);
  metricsRoute(app, services);
  const starter = createChatStarter(services);
  headRoutes(app, services);
  streamRoutes(app, services, starter);
  webSocketRoute(app, services, starter);
  artifactRoutes(app, services);
  mediaRoutes(app, services, starter);
  conversationRoutes(app, services);
  modelRoutes(app, services.models);
  doctorRoutes(app, services);
  webRoutes(app, services.web);
  return app;
}
