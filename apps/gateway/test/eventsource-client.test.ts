/**
 * An independently written client, the `eventsource` package (a WHATWG EventSource for
 * Node), reads a stream while the server drops its connection mid-answer; it reconnects by
 * itself with `Last-Event-ID` and ends with the full answer, each event once.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EventSource } from 'eventsource';
import { startTestGateway } from '../../../testing/gateway.ts';
import { demoAnswer } from '../src/models/demo-answer.ts';
import type { Gateway } from '../src/server.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '100' });
});
after(() => gateway.shutdown());

test('EventSource survives two server-side drops and ends with the whole answer', async () => {
  const q = 'independent client';
  const source = new EventSource(`${gateway.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`);
  const ids: string[] = [];
  let text = '';
  let opens = 0;
  let deltas = 0;
  const finished = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no done within 20 s')), 20_000);
    source.addEventListener('open', () => opens++);
    source.addEventListener('delta', (e) => {
      ids.push(e.lastEventId);
      text += (JSON.parse(e.data) as { text: string }).text;
      deltas++;
      // Drop every open connection from the server side, twice, mid-answer.
      if (deltas === 5 || deltas === 15) gateway.services.engine.endConnections();
    });
    source.addEventListener('done', (e) => {
      ids.push(e.lastEventId);
      clearTimeout(timer);
      source.close();
      resolve(text);
    });
  });
  assert.equal(await finished, demoAnswer(q));
  assert.equal(opens, 3, 'connected once, then reconnected after each drop');
  assert.equal(new Set(ids).size, ids.length, 'no event twice');
  const seqs = ids.map((id) => Number(id.split(':')[1]));
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
  );
});
