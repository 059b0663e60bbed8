/**
 * tidewire in a Fastify app: POST /jobs starts a job and streams its events, GET /jobs/:id
 * resumes (Last-Event-ID or ?after=), DELETE /jobs/:id cancels. The Node handler set writes
 * to the raw response, so each route hijacks its reply.
 */
import type { IncomingMessage } from 'node:http';
import { createEngine } from '@tidewire/server';
import { createNodeHandlers } from '@tidewire/server/node';
import Fastify from 'fastify';
import { type JobEvents, type JobMeta, jobEvents, runJob } from '../job.js';

const engine = createEngine<JobEvents, JobMeta>({ events: jobEvents }); // Redis: @tidewire/server/redis
const userOf = (req: IncomingMessage) => String(req.headers['x-user'] ?? 'demo'); // your auth here

const jobs = createNodeHandlers(engine, {
  start: (_request, req) => ({ meta: { user: userOf(req) }, run: runJob }),
  authorize: (meta, req) => meta.user === userOf(req),
});

const app = Fastify();
app.post('/jobs', async (request, reply) => {
  reply.hijack();
  // Fastify has read the body already: hand it over parsed.
  await jobs.start(Object.assign(request.raw, { body: request.body }), reply.raw);
});
app.get<{ Params: { id: string } }>('/jobs/:id', async (request, reply) => {
  reply.hijack();
  await jobs.resume(request.raw, reply.raw, request.params.id);
});
app.delete<{ Params: { id: string } }>('/jobs/:id', async (request, reply) => {
  reply.hijack();
  await jobs.cancel(request.raw, reply.raw, request.params.id);
});

const port = Number(process.env.PORT ?? 3000);
await app.listen({ port, host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${port}`);
