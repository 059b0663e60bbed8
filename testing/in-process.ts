/**
 * Test support: the full gateway app with its real services (SQLite in memory, the demo
 * model), called in-process with `app.request()`: no socket, no port. Stream responses are
 * read into typed events with the protocol's parser.
 * @module
 */
import { createParser, decodeStreamEvent, type StreamEvent } from '@tidewire/protocol';
import type { Hono } from 'hono';
import { createApp } from '../apps/gateway/src/app.ts';
import { loadConfig } from '../apps/gateway/src/config.ts';
import type { Database } from '../apps/gateway/src/db/database.ts';
import { createLogger } from '../apps/gateway/src/logger.ts';
import { createServices } from '../apps/gateway/src/server.ts';
import type { AppEnv, Services } from '../apps/gateway/src/services.ts';
import { TEST_ENV } from './gateway.ts';

export interface TestApp {
  app: Hono<AppEnv>;
  services: Services & { db: Database };
  /** `app.request` on a path of this app. */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** The app on `env` (over the quiet test defaults), with any services replaced by `overrides`. */
export async function startTestApp(
  env: Record<string, string> = {},
  overrides: Partial<Services> = {},
): Promise<TestApp> {
  const services = await createServices(loadConfig({ ...TEST_ENV, ...env }), createLogger('silent'));
  Object.assign(services, overrides);
  const app = createApp(services);
  return {
    app,
    services,
    request: async (path, init) => app.request(path, init),
    async close() {
      services.limits.close();
      await services.engine.close();
      await services.db.destroy();
    },
  };
}

/**
 * The events of a stream response, read until it ends, or until `until` says to stop (the
 * rest is then left unread and the body cancelled).
 */
export async function eventsOf(
  response: Response,
  until: (event: StreamEvent, all: StreamEvent[]) => boolean = () => false,
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  let stop = false;
  const parser = createParser({
    onEvent(parsed) {
      const decoded = decodeStreamEvent(parsed);
      if (!decoded.ok) throw new Error(decoded.message);
      if (decoded.event.event === 'ping') return;
      events.push(decoded.event);
      if (until(decoded.event, events)) stop = true;
    },
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  while (!stop) {
    const { value, done } = await reader.read();
    if (done) return events;
    parser.feed(value);
  }
  await reader.cancel();
  return events;
}
