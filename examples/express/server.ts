/**
 * tidewire in an Express app: POST /jobs starts a job and streams its events, GET /jobs/:id
 * resumes (Last-Event-ID or ?after=), DELETE /jobs/:id cancels. Also serves the browser page.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { createEngine } from '@tidewire/server';
import { createNodeHandlers } from '@tidewire/server/node';
import express from 'express';
import { type JobEvents, type JobMeta, jobEvents, runJob } from '../job.js';

const engine = createEngine<JobEvents, JobMeta>({ events: jobEvents }); // Redis: @tidewire/server/redis
const userOf = (req: IncomingMessage) => String(req.headers['x-user'] ?? 'demo'); // your auth here

const jobs = createNodeHandlers(engine, {
  start: (_request, req) => ({ meta: { user: userOf(req) }, run: runJob }),
  authorize: (meta, req) => meta.user === userOf(req),
});

const app = express();
app.use(express.json());
app.post('/jobs', (req, res) => jobs.start(req, res));
app.get('/jobs/:id', (req, res) => jobs.resume(req, res, req.params.id));
app.delete('/jobs/:id', (req, res) => jobs.cancel(req, res, req.params.id));

// The browser page (../browser), the job module and the packages it imports, as installed.
const modules = createRequire(import.meta.url)
  .resolve.paths('@tidewire/client')
  ?.find((dir) => existsSync(`${dir}/@tidewire/client`));
if (modules) app.use('/modules', express.static(modules));
app.use(express.static(new URL('../browser', import.meta.url).pathname));
app.get('/job.js', (_req, res) => res.sendFile(new URL('../job.js', import.meta.url).pathname));

const port = Number(process.env.PORT ?? 3000);
app.listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`));
