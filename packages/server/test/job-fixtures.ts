/**
 * Test fixtures for an app's own vocabulary, with no chat in it: a job that reports
 * `progress {pct}` and ends with `result {url}`, declared from a zod/mini schema and type-only,
 * and an app that runs it behind the handler sets.
 * @module
 */
import { defineEvents } from '@tidewire/protocol';
import * as z from 'zod/mini';
import { createEngine, type HandlerOptions, type Stream, type Vocabulary } from '../src/index.ts';

/** The job's events, checked on emit. */
export const jobEvents = defineEvents({
  progress: z.object({ pct: z.number() }),
  result: z.object({ url: z.string() }),
});

/** The same events, declared by type only (no validation). */
export type JobEvents = { progress: { pct: number }; result: { url: string } };
export const jobEventsTypeOnly = defineEvents<JobEvents>();

export interface JobMeta {
  user: string;
}

export const RESULT_URL = 'https://files.example/report.pdf';

/** A gate the test opens when it wants the job to go on. */
export function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** Reports 0–40 %, waits for `halfway`, reports 50–100 % and the result; leaves the stream open. */
export async function runJob(stream: Stream<JobEvents, JobMeta>, halfway: Promise<void>): Promise<void> {
  for (let pct = 0; pct <= 40; pct += 10) stream.emit('progress', { pct });
  await halfway;
  for (let pct = 50; pct <= 100; pct += 10) stream.emit('progress', { pct });
  stream.emit('result', { url: RESULT_URL });
}

/**
 * An engine speaking the job vocabulary and the handler options of an app that runs the job
 * for the user named by `x-user`, lets only that user read it, and counts its starts.
 */
export function jobApp(events: Vocabulary<JobEvents> = jobEvents) {
  const engine = createEngine<JobEvents, JobMeta>({ events, heartbeatMs: 0 });
  const halfway = gate();
  const userOf = (headers: Headers | NodeJS.Dict<string | string[]>): string => {
    const user = headers instanceof Headers ? headers.get('x-user') : headers['x-user'];
    return typeof user === 'string' ? user : '';
  };
  const app = {
    engine,
    halfway,
    starts: 0,
    options: {
      start: ({ headers }) => {
        app.starts++;
        return { meta: { user: userOf(headers) }, run: (stream) => runJob(stream, halfway.opened) };
      },
      authorize: (meta, raw) => meta.user === userOf(raw.headers),
    } satisfies HandlerOptions<JobEvents, JobMeta, Request | { headers: NodeJS.Dict<string | string[]> }>,
  };
  return app;
}
