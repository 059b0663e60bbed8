/**
 * The handler sets' rules, for any vocabulary: unknown and foreign streams are the same 404
 * (`engine.open` says `not_found` for both), a start request naming a resume point resumes and
 * never starts the job again, and the app's `run` decides how the stream ends — a throw fails
 * it, a return ends it with `done {reason: "stop"}`.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { eventsOf } from '../../../testing/transcript.ts';
import { createWebHandlers, type Stream, TidewireError } from '../src/index.ts';
import { createNodeHandlers, writeSSE } from '../src/node/index.ts';
import { countWrites } from './fixtures.ts';
import { type JobEvents, type JobMeta, jobApp, runJob } from './job-fixtures.ts';

const BASE = 'http://app.test';
const UNKNOWN = '0192a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b';
const ada = { 'x-user': 'ada' };
const eve = { 'x-user': 'eve' };

/** A finished job of ada's, and the app that ran it. */
async function finishedJob() {
  const app = jobApp();
  app.halfway.open();
  const stream = await app.engine.start({ meta: { user: 'ada' } });
  await runJob(stream, app.halfway.opened);
  await stream.end();
  return { app, stream };
}

test('engine.open answers not_found for an unknown stream and for one authorize refuses', async () => {
  const { app, stream } = await finishedJob();
  const point = { streamId: stream.id, afterSeq: 0 };
  assert.deepEqual(await app.engine.open({ streamId: UNKNOWN, afterSeq: 0 }), { status: 'not_found' });
  const seen: unknown[] = [];
  const refuse = (meta: unknown) => {
    seen.push(meta);
    return false;
  };
  const refused = await app.engine.open(point, { authorize: refuse });
  assert.deepEqual(refused, { status: 'not_found' });
  assert.deepEqual(seen, [{ user: 'ada' }], 'authorize is asked with the stream meta');
  const opened = await app.engine.open(point, { authorize: async (meta) => meta.user === 'ada' });
  assert.equal(opened.status, 'attached');
  assert.deepEqual(opened.status === 'attached' && opened.info.meta, { user: 'ada' });
  await app.engine.close();
});

test('Web handlers answer an unknown or foreign stream with the same 404 stream_not_found', async () => {
  const { app, stream } = await finishedJob();
  const handlers = createWebHandlers(app.engine, app.options);
  const answers = [
    await handlers.resume(new Request(`${BASE}/jobs/${UNKNOWN}`, { headers: ada }), UNKNOWN),
    await handlers.resume(new Request(`${BASE}/jobs/${stream.id}`, { headers: eve }), stream.id),
    await handlers.resume(
      new Request(`${BASE}/jobs`, { headers: { ...eve, 'Last-Event-ID': `${stream.id}:2` } }),
    ),
    await handlers.start(
      new Request(`${BASE}/jobs`, { method: 'POST', headers: { 'Last-Event-ID': `${UNKNOWN}:1` } }),
    ),
    await handlers.cancel(
      new Request(`${BASE}/jobs/${stream.id}`, { method: 'DELETE', headers: eve }),
      stream.id,
    ),
  ];
  for (const answer of answers) {
    assert.equal(answer.status, 404);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await answer.json()) as { error: { type: string; message: string } };
    assert.equal(body.error.type, 'stream_not_found');
    assert.match(body.error.message, /unknown or has expired/);
  }
  assert.equal(app.starts, 0);
  await app.engine.close();
});

test('Node handlers answer an unknown or foreign stream with a 404 stream_not_found', async (t) => {
  const { app, stream } = await finishedJob();
  const handlers = createNodeHandlers(app.engine, app.options);
  const server = createServer((req, res) => {
    const id = req.url?.split('/')[2];
    if (req.method === 'POST') return void handlers.start(req, res);
    return void handlers.resume(req, res, id);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const answers = [
    await fetch(`${base}/jobs/${UNKNOWN}`, { headers: ada }),
    await fetch(`${base}/jobs/${stream.id}`, { headers: eve }),
    await fetch(`${base}/jobs`, { method: 'POST', headers: { 'Last-Event-ID': `${UNKNOWN}:1` } }),
  ];
  for (const answer of answers) {
    assert.equal(answer.status, 404);
    assert.equal(((await answer.json()) as { error: { type: string } }).error.type, 'stream_not_found');
  }
  const own = await fetch(`${base}/jobs`, {
    method: 'POST',
    headers: { ...ada, 'Last-Event-ID': `${stream.id}:11` },
  });
  assert.equal(own.status, 200);
  assert.deepEqual(
    eventsOf(await own.text()).map(([event]) => event),
    ['progress', 'result', 'done'],
    'events after seq 11 (hello + 10 progress)',
  );
  assert.equal(app.starts, 0, "a start request with Last-Event-ID never calls the app's start");
  await app.engine.close();
});

test("Web handlers: a start request with Last-Event-ID resumes and never calls the app's start", async () => {
  const { app, stream } = await finishedJob();
  const handlers = createWebHandlers(app.engine, app.options);
  const lastEventId = `${stream.id}:${stream.lastSeq - 1}`;
  const answer = await handlers.start(
    new Request(`${BASE}/jobs`, {
      method: 'POST',
      headers: { ...ada, 'Last-Event-ID': lastEventId },
      body: '{}',
    }),
  );
  assert.equal(answer.status, 200);
  assert.deepEqual(eventsOf(await answer.text()), [['done', { reason: 'stop' }]]);
  const byQuery = await handlers.start(
    new Request(`${BASE}/jobs?last_event_id=${lastEventId}`, { method: 'POST', headers: ada }),
  );
  assert.deepEqual(eventsOf(await byQuery.text()), [['done', { reason: 'stop' }]]);
  assert.equal(app.starts, 0);
  await app.engine.close();
});

/** Starts a job whose `run` is `run`, reads the whole response, returns its events. */
async function eventsOfRun(
  run: (stream: Stream<JobEvents, JobMeta>) => Promise<void> | void,
): Promise<[string, unknown][]> {
  const app = jobApp();
  const handlers = createWebHandlers(app.engine, { start: () => ({ meta: { user: 'ada' }, run }) });
  const answer = await handlers.start(new Request(`${BASE}/jobs`, { method: 'POST' }));
  const events = eventsOf(await answer.text());
  await app.engine.close();
  return events;
}

test('a run that returns without ending the stream ends it with done {reason: "stop"}', async () => {
  assert.deepEqual(await eventsOfRun(() => {}), [['done', { reason: 'stop' }]]);
});

test('a run that throws ends the stream with error then done {reason: "error"}', async () => {
  assert.deepEqual(
    await eventsOfRun(async () => {
      throw new Error('disk on fire');
    }),
    [
      ['error', { type: 'internal_error', message: 'the stream failed' }],
      ['done', { reason: 'error' }],
    ],
    'an unknown failure is reported without its detail',
  );
  assert.deepEqual(
    await eventsOfRun(() => {
      throw new TidewireError('upstream_error', 'the renderer is down');
    }),
    [
      ['error', { type: 'upstream_error', message: 'the renderer is down' }],
      ['done', { reason: 'error' }],
    ],
    'a TidewireError keeps its type and message',
  );
});

test('a run emitting data that fails the schema ends the stream with error invalid_event', async () => {
  const events = await eventsOfRun((stream) => {
    stream.emit('progress', { pct: 10 });
    // @ts-expect-error: the vocabulary says pct is a number
    stream.emit('progress', { pct: 'twenty' });
  });
  assert.deepEqual(events.slice(0, 1), [['progress', { pct: 10 }]]);
  const [error, done] = events.slice(1) as [[string, { type: string; message: string }], unknown];
  assert.deepEqual([error[0], error[1].type], ['error', 'invalid_event']);
  assert.match(error[1].message, /event "progress"/);
  assert.deepEqual(done, ['done', { reason: 'error' }]);
  assert.equal(events.length, 3);
});

test('a start naming a stream id that exists is a stream_exists error (409 from the handlers)', async () => {
  const app = jobApp();
  await app.engine.start({ meta: { user: 'ada' }, id: 'job-1' });
  await assert.rejects(
    app.engine.start({ meta: { user: 'ada' }, id: 'job-1' }),
    (error: unknown) =>
      TidewireError.isInstance(error) && error.type === 'stream_exists' && error.status === 409,
  );
  const handlers = createWebHandlers(app.engine, {
    start: () => ({ meta: { user: 'ada' }, id: 'job-1', run: () => {} }),
  });
  const answer = await handlers.start(new Request(`${BASE}/jobs`, { method: 'POST' }));
  assert.equal(answer.status, 409);
  assert.equal(((await answer.json()) as { error: { type: string } }).error.type, 'stream_exists');
  await app.engine.close();
});

test("a start the app refuses, or a body that is not JSON, is the contract's JSON error and starts nothing", async () => {
  const app = jobApp();
  const refusing = createWebHandlers(app.engine, {
    start: ({ body }) => {
      if ((body as { quota?: number }).quota === 0)
        throw new TidewireError('rate_limited', 'no jobs left today', { status: 429 });
      throw new Error('database password is hunter2');
    },
  });
  const post = (body: string) => refusing.start(new Request(`${BASE}/jobs`, { method: 'POST', body }));
  const answers = [await post('{"quota":0}'), await post('{}'), await post('{"quota":')];
  assert.deepEqual(
    answers.map((answer) => answer.status),
    [429, 500, 400],
  );
  assert.deepEqual(await Promise.all(answers.map((answer) => answer.json())), [
    { error: { type: 'rate_limited', message: 'no jobs left today' } },
    { error: { type: 'internal_error', message: 'internal error' } },
    { error: { type: 'invalid_json', message: 'the request body is not valid JSON' } },
  ]);
  assert.equal(app.engine.runningCount, 0);
  await app.engine.close();
});

test('Node handlers: a resume at the live end gets its headers before the stream has anything to send', async (t) => {
  const app = jobApp();
  const stream = await app.engine.start({ meta: { user: 'ada' } });
  const job = runJob(stream, app.halfway.opened); // hello + progress 0–40 (seq 1–6), then waits
  const handlers = createNodeHandlers(app.engine, app.options);
  const server = createServer((req, res) => void handlers.resume(req, res, stream.id));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The headers (the fetch resolving) must not wait for the next event: none comes until the gate opens.
  const answer = await fetch(`${base}/jobs/${stream.id}`, {
    headers: { ...ada, 'Last-Event-ID': `${stream.id}:6` },
    signal: AbortSignal.timeout(5000),
  });
  assert.equal(answer.status, 200);
  assert.match(answer.headers.get('content-type') ?? '', /^text\/event-stream/);
  app.halfway.open();
  await job;
  await stream.end();
  assert.deepEqual(
    eventsOf(await answer.text()).map(([event]) => event),
    ['progress', 'progress', 'progress', 'progress', 'progress', 'progress', 'result', 'done'],
  );
  await app.engine.close();
});

test('Node: what a reader holds when piped goes out as writeSSE is called, with the headers, in one write; a live-end reader waits a tick for its headers', async (t) => {
  const app = jobApp();
  const stream = await app.engine.start({ meta: { user: 'ada' } });
  const job = runJob(stream, app.halfway.opened); // hello + progress 0–40 (seq 1–6), then waits
  const writesAtOnce: number[] = [];
  const server = createServer(async (req, res) => {
    const afterSeq = Number(new URL(req.url ?? '/', BASE).searchParams.get('after'));
    const opened = await app.engine.open({ streamId: stream.id, afterSeq });
    if (opened.status !== 'attached') return void res.writeHead(404).end();
    const writes = countWrites(res.socket!);
    writeSSE(opened.reader, res);
    writesAtOnce.push(writes.count);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fromStart = await fetch(`${base}/?after=0`, { signal: AbortSignal.timeout(5000) });
  const atLiveEnd = await fetch(`${base}/?after=6`, { signal: AbortSignal.timeout(5000) });
  assert.deepEqual(
    writesAtOnce,
    [1, 0],
    'the replay went out with the headers at once, in one write; the live end had none',
  );
  assert.equal(atLiveEnd.status, 200);
  app.halfway.open();
  await job;
  await stream.end();
  const [all, rest] = [eventsOf(await fromStart.text()), eventsOf(await atLiveEnd.text())];
  assert.ok(rest.length > 0 && all.length > rest.length);
  assert.deepEqual(all.slice(-rest.length), rest, 'the same events after the live end');
  await app.engine.close();
});
