// @ts-check
/**
 * The job every example runs, and its events: `progress {pct}` while it works, `result {url}`
 * at the end. Plain JavaScript so the browser page loads the same declaration the servers use.
 */
import { defineEvents } from '@tidewire/protocol';
import * as z from 'zod/mini';

/** @typedef {{ progress: { pct: number }; result: { url: string } }} JobEvents */
/** @typedef {{ user: string }} JobMeta  Who started the job: only they may read or cancel it. */

export const jobEvents = defineEvents({
  progress: z.object({ pct: z.number() }),
  result: z.object({ url: z.string() }),
});

/**
 * A stand-in for real work: `steps` steps of `stepMs` milliseconds, then a result. It stops when the
 * stream is cancelled (`stream.signal`); the engine ends the stream when it returns.
 * @param {import('@tidewire/server').Stream<JobEvents, JobMeta>} stream
 */
export async function runJob(stream, steps = 10, stepMs = 100) {
  for (let step = 1; step <= steps; step++) {
    await new Promise((resolve) => setTimeout(resolve, stepMs));
    if (stream.signal.aborted) return;
    stream.emit('progress', { pct: Math.round((step / steps) * 100) });
  }
  stream.emit('result', { url: `/files/${stream.id}.pdf` });
}
