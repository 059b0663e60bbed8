/**
 * `GET /api/v1/models`: the models a chat may name, the default first, each with the
 * provider serving it.
 * @module
 */
import type { Hono } from 'hono';
import type { ModelRegistry } from '../models/registry.ts';
import type { AppEnv } from '../services.ts';

export function modelRoutes(app: Hono<AppEnv>, models: ModelRegistry): void {
  app.get('/api/v1/models', (c) => c.json({ data: models.list() }));
}
