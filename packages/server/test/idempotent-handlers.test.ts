/**
 * The handler sets start idempotently: a start naming its stream with `Idempotency-Key` (as
 * `@tidewire/client` sends) gets that id; the same start sent again is attached to that
 * stream from its first event and the app's `start` runs once; a caller `authorize` refuses
 * gets 409 `stream_exists`; a malformed key is a 400. Web and Node alike.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { createEngine, createWebHandlers, defineEvents } from '../src/index.ts';
import { createNodeHandlers } from '../src/node/index.ts';

const events = defineEvents<{ step: { n: number } }>();

function setup() {
  const engine = createEngine({ events, heartbeatMs: 0 });
  let starts = 0;
  const options = {
    start: ({ headers }: { headers: Headers }) => {
      starts++;
      return {
        meta: { user: headers.get('x-user') },
        async run(stream: { emit(e: 'step', d: { n: number }): void }) {
          for (let n = 1; n <= 5; n++) {
            stream.emit('step', { n });
            await new Promise((r) => setTimeout(r, 5));
          }
        },
      };
    },
    authorize: (meta: { user: string | null }, raw: Request | { headers: Record<string, unknown> }) =>
      meta.user === (raw instanceof Request ? raw.headers.get('x-user') : raw.headers['x-user']),
  };
  return { engine, options, starts: () => starts };
}

const key = () => crypto.randomUUID();
const post = (url: string, k: string, user = 'ada') =>
  new Request(url, { method: 'POST', body: '{}', headers: { 'idempotency-key': k, 'x-user': user } });

test('Web: a start sent again with its key: one stream, both responses carry it whole', async () => {
  const { engine, options, starts } = setup();
  const handlers = createWebHandlers(engine, options);
  const k = key();
  const a = await handlers.start(post('http://x/start', k));
  const b = await handlers.start(post('http://x/start', k));
  assert.equal(a.headers.get('x-stream-id'), k);
  assert.equal(b.headers.get('x-stream-id'), k);
  const [ta, tb] = [await a.text(), await b.text()];
  assert.equal(ta, tb);
  assert.equal(ta.split('event: step').length - 1, 5);
  assert.equal(starts(), 1);
  const stranger = await handlers.start(post('http://x/start', k, 'bob'));
  assert.equal(stranger.status, 409);
  assert.equal(((await stranger.json()) as { error: { type: string } }).error.type, 'stream_exists');
  const bad = await handlers.start(post('http://x/start', 'short'));
  assert.equal(bad.status, 400);
  assert.equal(starts(), 1);
  await engine.close();
});

test('Node: a start sent again with its key is attached to the same stream', async () => {
  const { engine, options, starts } = setup();
  const handlers = createNodeHandlers(engine, options as never);
  const server = createServer((req, res) => void handlers.start(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const k = key();
  const ask = () =>
    fetch(url, { method: 'POST', body: '{}', headers: { 'idempotency-key': k, 'x-user': 'ada' } });
  const a = await ask();
  const b = await ask();
  assert.equal(a.headers.get('x-stream-id'), k);
  assert.equal(await a.text(), await b.text());
  assert.equal(starts(), 1);
  server.close();
  await engine.close();
});
