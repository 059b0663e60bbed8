/**
 * `GET /api/v1/stream/idle`: a stream that stays quiet — `hello`, heartbeats, and `done`
 * after one and a half heartbeat intervals — so `tidewire doctor` can see whether a proxy
 * cuts a quiet stream before its first heartbeat (an idle timeout shorter than
 * `SSE_HEARTBEAT_MS`). It lives beside the other stream starts, so proxies route it through
 * the same settings (infra/nginx/sse.conf). No model is asked.
 * @module
 */
import type { Hono } from 'hono';
import { clientIp } from '../limits/client-key.ts';
import type { AppEnv, StreamServices } from '../services.ts';

/** The longest quiet stream this endpoint makes. */
const MAX_QUIET_MS = 120_000;

export function doctorRoutes(app: Hono<AppEnv>, services: StreamServices): void {
  const { engine, config } = services;
  app.get('/api/v1/stream/idle', async (c) => {
    const leave = services.connections.enter(clientIp(c, config.TRUST_PROXY));
    try {
      const stream = await engine.start({
        meta: { model: 'doctor', conversationId: null, userId: c.get('user') },
      });
      const quietMs = Math.min(Math.round(config.SSE_HEARTBEAT_MS * 1.5), MAX_QUIET_MS);
      const timer = setTimeout(
        () => void stream.end('stop', { tokens: 0, heartbeat_ms: config.SSE_HEARTBEAT_MS }),
        quietMs,
      );
      stream.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
      return services.respondSSE(c, stream.reader(), leave);
    } catch (error) {
      leave();
      throw error;
    }
  });
}
