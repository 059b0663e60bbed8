/**
 * An app's own events, no chat code involved: a job's `progress` and `result`, declared with a
 * schema or by type only, are started, cut mid-stream, resumed from `Last-Event-ID` and
 * replayed, through the Web handler set (in-process) and the Node handler set (a real
 * `node:http` server). The cut transcript plus the resumed one is the uncut one, byte for byte.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { completeFrames, eventsOf, lastEventId, readUntilCut } from '../../../testing/transcript.ts';
import { createWebHandlers, type Vocabulary } from '../src/index.ts';
import { createNodeHandlers, type NodeHandlers } from '../src/node/index.ts';
import { type JobEvents, jobApp, jobEvents, jobEventsTypeOnly, RESULT_URL } from './job-fixtures.ts';

const BASE = 'http://app.test';
const CUT_AFTER = '{"pct":40}\n\n';

/** The whole job as an uncut client sees it. */
const JOB_EVENTS: [string, unknown][] = [
  ...Array.from({ length: 11 }, (_, i): [string, unknown] => ['progress', { pct: i * 10 }]),
  ['result', { url: RESULT_URL }],
  ['done', { reason: 'stop' }],
];

const vocabularies: [string, Vocabulary<JobEvents>][] = [
  ['declared with a zod/mini schema', jobEvents],
  ['declared by type only', jobEventsTypeOnly],
];

for (const [declared, events] of vocabularies) {
  test(`Web handlers: a job's events ${declared} are cut, resumed and replayed byte for byte`, async () => {
    const app = jobApp(events);
    const handlers = createWebHandlers(app.engine, app.options);
    const started = await handlers.start(new Request(`${BASE}/jobs`, { method: 'POST', body: '{}' }));
    assert.equal(started.status, 200);
    assert.match(started.headers.get('content-type') ?? '', /^text\/event-stream/);
    const streamId = started.headers.get('x-stream-id')!;
    const cut = completeFrames(await readUntilCut(started.body!, CUT_AFTER));
    assert.doesNotMatch(cut, /event: result/, 'the cut falls mid-job');

    const resumed = await handlers.resume(
      new Request(`${BASE}/jobs`, { headers: { 'Last-Event-ID': lastEventId(cut) } }),
    );
    assert.equal(resumed.status, 200);
    app.halfway.open();
    const rest = await resumed.text();
    const uncut = await (await handlers.resume(new Request(`${BASE}/jobs/${streamId}`), streamId)).text();

    assert.equal(cut + rest, uncut);
    assert.deepEqual(eventsOf(uncut), JOB_EVENTS);
    assert.equal(app.starts, 1, 'a resume never starts the job again');
    await app.engine.close();
  });

  test(`Node handlers on node:http: a job's events ${declared} are cut, resumed and replayed byte for byte`, async (t) => {
    const app = jobApp(events);
    const base = await listen(createNodeHandlers(app.engine, app.options));
    t.after(() => base.close());
    const started = await fetch(`${base.url}/jobs`, { method: 'POST', body: '{}' });
    assert.equal(started.status, 200);
    const streamId = started.headers.get('x-stream-id')!;
    const cut = completeFrames(await readUntilCut(started.body!, CUT_AFTER));
    assert.doesNotMatch(cut, /event: result/, 'the cut falls mid-job');

    const resumed = await fetch(`${base.url}/jobs`, { headers: { 'Last-Event-ID': lastEventId(cut) } });
    assert.equal(resumed.status, 200);
    app.halfway.open();
    const rest = await resumed.text();
    const uncut = await (await fetch(`${base.url}/jobs/${streamId}`)).text();

    assert.equal(cut + rest, uncut);
    assert.deepEqual(eventsOf(uncut), JOB_EVENTS);
    assert.equal(app.starts, 1, 'a resume never starts the job again');
    await app.engine.close();
  });
}

/** Serves the Node handler set on 127.0.0.1: POST /jobs starts, GET /jobs[/:id] resumes. */
async function listen(handlers: NodeHandlers): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    const id = /^\/jobs\/([^/]+)$/.exec(pathname)?.[1];
    if (req.method === 'POST' && pathname === '/jobs') return void handlers.start(req, res);
    if (req.method === 'GET' && (id || pathname === '/jobs')) return void handlers.resume(req, res, id);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
