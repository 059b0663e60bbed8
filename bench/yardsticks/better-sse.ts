/**
 * Yardstick: better-sse sessions.
 * @module
 */
import { createSession } from 'better-sse';
import { BATCH, demoEvents, IDLE_PREFIX } from '../demo-events.ts';
import { serveYardstick } from './serve.ts';

serveYardstick(async (req, res, url) => {
  const streamId = url.searchParams.get('stream_id')!;
  const events = demoEvents(url.searchParams.get('q') ?? '', streamId);
  const idle = url.searchParams.has('idle');
  const session = await createSession(req, res, { keepAlive: null, retry: 1000 });
  for (const [i, e] of events.entries()) {
    if (idle && i === IDLE_PREFIX) return;
    session.push(e.data, e.event, `${streamId}:${i + 1}`);
    if (i % BATCH === BATCH - 1) await new Promise((r) => setImmediate(r));
  }
  res.end();
});
