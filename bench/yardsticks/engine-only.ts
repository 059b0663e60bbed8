/**
 * `@tidewire/server` alone on `node:http`, no gateway: what an app pays for the engine (ids,
 * the replayable log in the memory store, heartbeats, backpressure bounds) on top of plain
 * `res.write`. It streams the same events as plain-http.ts (the engine makes `hello` and
 * `done` from the same fields) through `createNodeHandlers`, the way an app would mount it.
 * The vocabulary types its events only (no schema), so data is not checked, as in plain-http.ts.
 * @module
 */
import type { EventDataMap } from '@tidewire/protocol';
import { createEngine, defineEvents } from '@tidewire/server';
import { createNodeHandlers } from '@tidewire/server/node';
import { BATCH, demoEvents } from '../demo-events.ts';
import { serveYardstick } from './serve.ts';

type BenchEvents = Pick<EventDataMap, 'start' | 'delta' | 'metadata'>;

const engine = createEngine<BenchEvents, Record<string, never>>({
  events: defineEvents<BenchEvents>(),
  hello: ({ streamId, ts }) => ({ ts, model: 'demo', conversation_id: null, stream_id: streamId }),
});

const handlers = createNodeHandlers(engine, {
  start: ({ url }) => ({
    meta: {},
    async run(stream) {
      const events = demoEvents(url.searchParams.get('q') ?? '', stream.id);
      // hello and done are the engine's; the events between are the app's.
      for (const [i, e] of events.slice(1, -1).entries()) {
        stream.emit(e.event as keyof BenchEvents, e.data as never);
        if (i % BATCH === BATCH - 1) await new Promise((r) => setImmediate(r));
      }
      const done = events.at(-1)!.data as EventDataMap['done'];
      await stream.end(done.reason, { tokens: done.tokens });
    },
  }),
});

serveYardstick((req, res) => handlers.start(req, res));
