/**
 * Media streams on a shared store: with `REDIS_URL`, an image's artifacts live in Redis beside
 * its log, so another instance serves the resume and every preview byte for byte, to the
 * owner only. Fails (never skips) when redis-server is missing.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventsOf, startTestApp, type TestApp } from '../../../testing/in-process.ts';
import { artifactBytes, dataOf, postJson, streamIdOf } from '../../../testing/media-streams.ts';
import { startRedis, type TestRedis } from '../../../testing/redis.ts';

const ANN = { authorization: 'Bearer token-of-ann' };
const BOB = { authorization: 'Bearer token-of-bob' };
let redis: TestRedis;
let one: TestApp;
let two: TestApp;
before(async () => {
  redis = await startRedis();
  const env = {
    REDIS_URL: redis.url,
    AUTH_TOKENS: 'ann:token-of-ann,bob:token-of-bob',
    DEMO_IMAGE_STEP_MS: '0',
  };
  one = await startTestApp(env);
  two = await startTestApp(env);
});
after(async () => {
  await one.close();
  await two.close();
  await redis.close();
});

test('an image made on one instance is replayed and its artifacts served by another, to its owner only', async () => {
  const events = await eventsOf(
    await postJson(one, '/api/v1/stream/image', { prompt: 'a harbour', size: '96x96' }, ANN),
  );
  const id = streamIdOf(events);
  const replayed = await eventsOf(await two.request(`/api/v1/streams/${id}?after=0`, { headers: ANN }));
  assert.deepEqual(replayed, events);
  const previews = dataOf<{ url: string }>(events, 'preview');
  assert.equal(previews.length, 6);
  for (const { url } of previews)
    assert.deepEqual(await artifactBytes(two, url, ANN), await artifactBytes(one, url, ANN));
  assert.equal((await two.request(previews[0]!.url, { headers: BOB })).status, 404);
});
