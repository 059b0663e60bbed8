/**
 * A resume point beyond the end of a log gets the same clear answer on every store: a 400
 * `invalid_after` or `invalid_last_event_id` naming how many events the stream has, for a
 * running stream and a finished one. (It used to hang on Redis, get later events on memory,
 * or an empty 200 on a finished stream.) A point at the last event is fine.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';
import { MemoryStreamStore, resumePoint, type StreamStore } from '../src/index.ts';
import { RedisStreamStore } from '../src/redis/index.ts';
import { chatLikeEngine, RecordingSink } from './fixtures.ts';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis.close());

const stores: [string, () => Promise<StreamStore>][] = [
  ['memory', async () => new MemoryStreamStore()],
  ['Redis', () => RedisStreamStore.connect({ url: redis.url })],
];

for (const [name, makeStore] of stores) {
  describe(`a resume point past the end, ${name} store`, () => {
    test('running or finished: 400 naming the stream length; at the last event: attached', async () => {
      const engine = chatLikeEngine({ store: await makeStore() });
      const stream = await engine.start({ meta: null });
      stream.emit('start', { status: 'processing' });
      await stream.drained();
      for (const phase of ['running', 'finished']) {
        const last = stream.lastSeq;
        const url = `http://x/api/v1/streams/${stream.id}`;
        const byAfter = resumePoint(new Request(`${url}?after=${last + 1}`), { streamId: stream.id })!;
        await assert.rejects(engine.open(byAfter), {
          type: 'invalid_after',
          status: 400,
          message: `after names event ${last + 1} but the stream has only ${last} events`,
        });
        const byHeader = resumePoint(
          new Request(url, { headers: { 'last-event-id': `${stream.id}:${last + 7}` } }),
        )!;
        await assert.rejects(engine.open(byHeader), { type: 'invalid_last_event_id', status: 400 }, phase);
        const atEnd = await engine.open({ streamId: stream.id, afterSeq: last });
        assert.equal(atEnd.status, 'attached', phase);
        if (phase === 'running') await stream.end('stop', { tokens: 0 });
      }
      const sink = new RecordingSink();
      const opened = await engine.open({ streamId: stream.id, afterSeq: stream.lastSeq });
      assert.equal(opened.status, 'attached');
      if (opened.status === 'attached') opened.reader.pipe(sink);
      for (let i = 0; i < 200 && !sink.ended; i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(sink.ended, 'a reader at the last event of a finished stream ends at once');
      assert.deepEqual(await engine.position(stream.id), { lastSeq: stream.lastSeq, ended: true });
      await engine.close();
    });
  });
}
