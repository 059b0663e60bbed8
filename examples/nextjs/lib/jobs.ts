/**
 * The engine and the Web handler set the routes share. `after` keeps the job running once
 * the response has ended. One engine per server process: kept on globalThis, since Next
 * bundles each route apart (with several instances, use the Redis store).
 */
import { createEngine, createWebHandlers, type StreamEngine } from '@tidewire/server';
import { after } from 'next/server';
import { type JobEvents, type JobMeta, jobEvents, runJob } from '../../job.js';

const shared = globalThis as { jobEngine?: StreamEngine<JobEvents, JobMeta> };
shared.jobEngine ??= createEngine<JobEvents, JobMeta>({ events: jobEvents });
const engine = shared.jobEngine;
const userOf = (request: Request) => request.headers.get('x-user') ?? 'demo'; // your auth here

export const jobs = createWebHandlers(engine, {
  start: (_parsed, request) => ({ meta: { user: userOf(request) }, run: runJob }),
  authorize: (meta, request) => meta.user === userOf(request),
  waitUntil: (work) => after(work),
});
