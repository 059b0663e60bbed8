/**
 * The full HTTP app, as the Node entry serves it: the shared core (base-app.ts) with auth,
 * login, metrics, streams, conversations and the chat page.
 * @module
 */
import type { Hono } from 'hono';
import { authenticate } from './auth/auth.ts';
import { loginRoutes } from './auth/login-routes.ts';
import { createBaseApp } from './base-app.ts';
import { metricsRoute } from './metrics/route.ts';
import { conversationRoutes } from './routes/conversations.ts';
import { doctorRoutes } from './routes/doctor.ts';
import { streamRoutes } from './routes/streams.ts';
import { webRoutes } from './routes/web.ts';
import type { AppEnv, Services } from './services.ts';

/** The full app (Node): auth, login, metrics, streams, conversations, the chat page. */
export function createApp(services: Services): Hono<AppEnv> {
  const app = createBaseApp(services);
  app.use('*', authenticate(services.auth));
  loginRoutes(app, services.auth);
  metricsRoute(app, services);
  streamRoutes(app, services);
  conversationRoutes(app, services);
  doctorRoutes(app, services);
  webRoutes(app, services.web);
  return app;
}
