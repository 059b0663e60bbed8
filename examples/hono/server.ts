/**
 * tidewire in a Hono app on Node (@hono/node-server), with the Web handler set: POST /jobs
 * starts a job and streams its events, GET /jobs/:id resumes (Last-Event-ID or ?after=),
 * DELETE /jobs/:id cancels. The same routes run on Workers or Bun with `export default app`.
 */
import { serve } from '@hono/node-server';
import { createEngine, createWebHandlers } from '@tidewire/server';
import { Hono } from 'hono';
import { type JobEvents, type JobMeta, jobEvents, runJob } from '../job.js';

const engine = createEngine<JobEvents, JobMeta>({ events: jobEvents }); // Redis: @tidewire/server/redis
const userOf = (request: Request) => request.headers.get('x-user') ?? 'demo'; // your auth here

const jobs = createWebHandlers(engine, {
  start: (_parsed, request) => ({ meta: { user: userOf(request) }, run: runJob }),
  authorize: (meta, request) => meta.user === userOf(request),
});

const app = new Hono();
app.post('/jobs', (c) => jobs.start(c.req.raw));
app.get('/jobs/:id', (c) => jobs.resume(c.req.raw, c.req.param('id')));
app.delete('/jobs/:id', (c) => jobs.cancel(c.req.raw, c.req.param('id')));

const port = Number(process.env.PORT ?? 3000);
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () =>
  console.log(`listening on http://127.0.0.1:${port}`),
);
