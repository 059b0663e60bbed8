/**
 * The app an edge deployment serves: the shared core plus the stream endpoints (new streams,
 * resumes, cancel), on the Web-standard stream handler.
 * @module
 */
import type { Hono } from 'hono';
import { createBaseApp } from '../apps/gateway/src/base-app.ts';
import { streamRoutes } from '../apps/gateway/src/routes/streams.ts';
import type { AppEnv } from '../apps/gateway/src/services.ts';
import { createEdgeServices } from './edge-services.ts';

export function createEdgeApp(env: Record<string, string | undefined> = {}): Hono<AppEnv> {
  const services = createEdgeServices(env);
  const app = createBaseApp(services);
  streamRoutes(app, services);
  return app;
}
