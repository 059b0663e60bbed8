/**
 * Yardstick: plain `node:http` with `res.write`, the ceiling for a Node SSE server.
 * `?tps=N` paces the answer's deltas at N per second (a timer per stream), like a paced model.
 * @module
 */
import { encodeEvent } from '@tidewire/protocol';
import { BATCH, demoEvents, IDLE_PREFIX } from '../demo-events.ts';
import { serveYardstick } from './serve.ts';

serveYardstick(async (_req, res, url) => {
  const streamId = url.searchParams.get('stream_id')!;
  const events = demoEvents(url.searchParams.get('q') ?? '', streamId);
  const idle = url.searchParams.has('idle');
  const tps = Number(url.searchParams.get('tps') ?? 0);
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
  for (const [i, e] of events.entries()) {
    if (idle && i === IDLE_PREFIX) return;
    res.write(encodeEvent(e.event, e.data, `${streamId}:${i + 1}`));
    if (tps > 0 && e.event === 'delta') await new Promise((r) => setTimeout(r, 1000 / tps));
    else if (i % BATCH === BATCH - 1) await new Promise((r) => setImmediate(r));
  }
  res.end();
});
