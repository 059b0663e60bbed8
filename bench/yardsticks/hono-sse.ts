/**
 * Yardstick: Hono's `streamSSE` helper on @hono/node-server.
 * @module
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { BATCH, demoEvents, IDLE_PREFIX } from '../demo-events.ts';

let next = 0;
const app = new Hono();
app.get('*', (c) =>
  streamSSE(c, async (stream) => {
    const streamId = `h${process.pid}-${next++}`;
    const events = demoEvents(c.req.query('q') ?? '', streamId);
    const idle = c.req.query('idle') !== undefined;
    for (const [i, e] of events.entries()) {
      if (idle && i === IDLE_PREFIX) {
        await new Promise<void>((resolve) => stream.onAbort(resolve));
        return;
      }
      await stream.writeSSE({ id: `${streamId}:${i + 1}`, event: e.event, data: JSON.stringify(e.data) });
      if (i % BATCH === BATCH - 1) await new Promise((r) => setImmediate(r));
    }
  }),
);
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`listening on http://127.0.0.1:${info.port}\n`);
});
