/**
 * The media streams with the built-in providers: the demo image sharpens in real PNGs and a
 * stream cut anywhere and resumed ends with the same final image as an uncut one; the demo
 * speech (eSpeak NG) resumed after a cut gives the same audio; artifacts keep the stream's
 * owner; bad input gets a clear error and starts nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StreamEvent } from '@tidewire/protocol';
import { decode } from 'fast-png';
import { eventsOf, startTestApp, type TestApp } from '../../../testing/in-process.ts';
import { artifactBytes, audioOf, dataOf, postJson, streamIdOf } from '../../../testing/media-streams.ts';
import { sentencesOf } from '../src/media/sentences.ts';

const ANN = { authorization: 'Bearer token-of-ann' };
const BOB = { authorization: 'Bearer token-of-bob' };
let app: TestApp;
before(async () => {
  app = await startTestApp({ AUTH_TOKENS: 'ann:token-of-ann,bob:token-of-bob', DEMO_IMAGE_STEP_MS: '20' });
});
after(() => app.close());

/** Reads a stream, cut after `cuts[i]` events on each connection, resuming with Last-Event-ID until it ends. */
async function readWithCuts(
  first: Response,
  cuts: number[],
  headers: Record<string, string>,
): Promise<StreamEvent[]> {
  const all: StreamEvent[] = [];
  let response = first;
  for (let k = 0; k < 50; k++) {
    const limit = cuts[k] ?? Number.POSITIVE_INFINITY;
    const got = await eventsOf(response, (_, seen) => seen.length >= limit);
    all.push(...got);
    if (all.at(-1)?.event === 'done') return all;
    const last = all.at(-1)!;
    response = await app.request(`/api/v1/streams/${streamIdOf(all)}`, {
      headers: { ...headers, 'last-event-id': `${last.streamId}:${last.seq}` },
    });
    assert.equal(response.status, 200);
  }
  throw new Error('the stream did not end within 50 connections');
}

/** A small seeded generator, so the "random" cut points are the same on every run. */
function cutsFrom(seed: number, count: number): number[] {
  let x = seed;
  return Array.from({ length: count }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return 1 + (x % 4);
  });
}

const finalImage = async (events: StreamEvent[]) => {
  const final = dataOf<{ url: string; final?: boolean }>(events, 'preview').find((p) => p.final);
  assert.ok(final, 'a final preview');
  return artifactBytes(app, final.url, ANN);
};

describe('the demo image', () => {
  test('sharpens in PNG previews while progress rises to 100; the same prompt gives the same image', async () => {
    const events = await eventsOf(
      await postJson(app, '/api/v1/stream/image', { prompt: 'a lighthouse at night', size: '128x96' }, ANN),
    );
    assert.deepEqual(
      events.map((e) => e.seq),
      events.map((_, k) => k + 1),
    );
    const pcts = dataOf<{ pct: number }>(events, 'progress').map((p) => p.pct);
    assert.deepEqual(pcts, [0, 17, 33, 50, 67, 83, 100]);
    const previews = dataOf<{ url: string; type: string; final?: boolean }>(events, 'preview');
    assert.equal(previews.length, 6);
    const images = await Promise.all(previews.map((p) => artifactBytes(app, p.url, ANN)));
    const decoded = images.map((bytes) => decode(bytes));
    assert.ok(decoded.every((png) => png.width === 128 && png.height === 96));
    const distinctColours = decoded.map(
      (png) =>
        new Set(
          Array.from({ length: png.width * png.height }, (_, k) => png.data.slice(k * 3, k * 3 + 3).join()),
        ).size,
    );
    assert.ok(
      distinctColours.at(-1)! > distinctColours[0]!,
      `the last image has more detail: ${distinctColours}`,
    );
    const again = await eventsOf(
      await postJson(app, '/api/v1/stream/image', { prompt: 'a lighthouse at night', size: '128x96' }, ANN),
    );
    assert.deepEqual(await finalImage(again), images.at(-1));
    const other = await eventsOf(
      await postJson(app, '/api/v1/stream/image', { prompt: 'a forest at noon', size: '128x96' }, ANN),
    );
    assert.notDeepEqual(await finalImage(other), images.at(-1));
  });

  test('a stream cut at random points and resumed ends with the same final image bytes as an uncut one', async () => {
    const body = { prompt: 'boats on the ocean at sunset', size: '160x120' };
    const uncut = await eventsOf(await postJson(app, '/api/v1/stream/image', body, ANN));
    for (const seed of [1, 2, 3]) {
      const cut = await readWithCuts(
        await postJson(app, '/api/v1/stream/image', body, ANN),
        cutsFrom(seed, 20),
        ANN,
      );
      assert.deepEqual(
        cut.map((e) => e.seq),
        cut.map((_, k) => k + 1),
        'no event lost or repeated',
      );
      assert.deepEqual(await finalImage(cut), await finalImage(uncut));
      const pcts = dataOf<{ pct: number }>(cut, 'progress').map((p) => p.pct);
      assert.deepEqual(pcts, [0, 17, 33, 50, 67, 83, 100]);
    }
  });

  test('a cancel stops the job: done cancelled, no further preview', async () => {
    const slow = await startTestApp({ DEMO_IMAGE_STEP_MS: '60000' });
    try {
      const events = await eventsOf(
        await postJson(slow, '/api/v1/stream/image', { prompt: 'a fox' }),
        (e) => e.event === 'progress',
      );
      const id = streamIdOf(events);
      assert.equal((await slow.request(`/api/v1/streams/${id}/cancel`, { method: 'POST' })).status, 200);
      const all = await eventsOf(await slow.request(`/api/v1/streams/${id}?after=0`));
      assert.deepEqual(
        all.map((e) => e.event),
        ['hello', 'start', 'progress', 'done'],
      );
      assert.equal(dataOf<{ reason: string }>(all, 'done')[0]!.reason, 'cancelled');
    } finally {
      await slow.close();
    }
  });
});

describe('the demo speech (eSpeak NG)', () => {
  const text = 'The tide is coming in. Read this twice!';

  test('a WAV per sentence; resumed after a cut, the same audio bytes as an uncut run', async () => {
    const uncut = await eventsOf(await postJson(app, '/api/v1/stream/tts', { text }, ANN));
    const audio = dataOf<{ seq: number; format: string; text: string }>(uncut, 'audio');
    assert.deepEqual(
      audio.map((a) => [a.seq, a.format, a.text]),
      [
        [1, 'wav', 'The tide is coming in.'],
        [2, 'wav', 'Read this twice!'],
      ],
    );
    const whole = await audioOf(app, uncut, ANN);
    const first = await artifactBytes(app, dataOf<{ url: string }>(uncut, 'audio')[0]!.url, ANN);
    assert.equal(first.subarray(0, 4).toString(), 'RIFF');
    assert.equal(first.subarray(8, 12).toString(), 'WAVE');
    const cut = await readWithCuts(await postJson(app, '/api/v1/stream/tts', { text }, ANN), [3], ANN);
    assert.deepEqual(
      dataOf<{ seq: number }>(cut, 'audio').map((a) => a.seq),
      [1, 2],
    );
    assert.deepEqual(await audioOf(app, cut, ANN), whole);
  });

  test('a cancel stops the synthesis: done cancelled after the chunks spoken so far', async () => {
    const long = Array.from({ length: 12 }, (_, k) => `Sentence number ${k + 1}.`).join(' ');
    const head = await eventsOf(
      await postJson(app, '/api/v1/stream/tts', { text: long }, ANN),
      (e) => e.event === 'audio',
    );
    const id = streamIdOf(head);
    assert.equal(
      (await app.request(`/api/v1/streams/${id}/cancel`, { method: 'POST', headers: ANN })).status,
      200,
    );
    const all = await eventsOf(await app.request(`/api/v1/streams/${id}?after=0`, { headers: ANN }));
    assert.equal(all.at(-1)!.event, 'done');
    assert.equal(dataOf<{ reason: string }>(all, 'done')[0]!.reason, 'cancelled');
    assert.ok(dataOf(all, 'audio').length < 12, 'the reading stopped early');
    assert.equal(app.services.engine.running(id), undefined);
  });

  test("{message_id} reads the user's own stored answer; another user's is not found", async () => {
    await eventsOf(await postJson(app, '/api/v1/stream/chat', { q: 'Tell me about tides' }, ANN));
    const list = (await (await app.request('/api/v1/conversations', { headers: ANN })).json()) as {
      data: { id: string }[];
    };
    const conversation = (await (
      await app.request(`/api/v1/conversations/${list.data[0]!.id}`, { headers: ANN })
    ).json()) as {
      messages: { id: string; role: string; content: string }[];
    };
    const answer = conversation.messages.find((m) => m.role === 'assistant')!;
    const question = conversation.messages.find((m) => m.role === 'user')!;
    const events = await eventsOf(
      await postJson(app, '/api/v1/stream/tts', { message_id: answer.id }, ANN),
      (e) => e.event === 'audio',
    );
    assert.equal(dataOf<{ text: string }>(events, 'audio')[0]!.text, sentencesOf(answer.content)[0]);
    await app.request(`/api/v1/streams/${streamIdOf(events)}/cancel`, { method: 'POST', headers: ANN });
    const stranger = await postJson(app, '/api/v1/stream/tts', { message_id: answer.id }, BOB);
    assert.equal(stranger.status, 404);
    assert.equal(((await stranger.json()) as { error: { type: string } }).error.type, 'message_not_found');
    const notAnswer = await postJson(app, '/api/v1/stream/tts', { message_id: question.id }, ANN);
    assert.equal(notAnswer.status, 400);
  });
});

describe('artifacts keep the stream owner', () => {
  test("another user's artifact (and stream) is 404; no credentials is 401; malformed numbers 400", async () => {
    const events = await eventsOf(
      await postJson(app, '/api/v1/stream/image', { prompt: 'a key', size: '64x64' }, ANN),
    );
    const url = dataOf<{ url: string }>(events, 'preview')[0]!.url;
    const own = await app.request(url, { headers: ANN });
    assert.equal(own.status, 200);
    assert.equal(own.headers.get('content-type'), 'image/png');
    assert.equal(own.headers.get('cache-control'), 'private, max-age=31536000, immutable');
    const stranger = await app.request(url, { headers: BOB });
    assert.equal(stranger.status, 404);
    assert.equal(((await stranger.json()) as { error: { type: string } }).error.type, 'not_found');
    assert.equal(
      (await app.request(`/api/v1/streams/${streamIdOf(events)}?after=0`, { headers: BOB })).status,
      404,
    );
    assert.equal((await app.request(url)).status, 401);
    const base = `/api/v1/streams/${streamIdOf(events)}/artifacts`;
    assert.equal((await app.request(`${base}/99`, { headers: ANN })).status, 404);
    assert.equal(
      (await app.request(`/api/v1/streams/no-such-stream/artifacts/1`, { headers: ANN })).status,
      404,
    );
    for (const bad of ['0', '-1', 'x', '1.5'])
      assert.equal((await app.request(`${base}/${bad}`, { headers: ANN })).status, 400, bad);
  });
});

describe('bad input gets a clear error and starts nothing', () => {
  const cases: [string, string, object | string, number, string][] = [
    ['image: no prompt', '/api/v1/stream/image', {}, 400, 'missing_question'],
    ['image: blank prompt', '/api/v1/stream/image', { prompt: '  ' }, 400, 'missing_question'],
    ['image: bad size', '/api/v1/stream/image', { prompt: 'a', size: 'huge' }, 400, 'bad_request'],
    ['image: prompt not text', '/api/v1/stream/image', { prompt: 7 }, 400, 'bad_request'],
    ['image: too long', '/api/v1/stream/image', { prompt: 'x'.repeat(10_001) }, 413, 'question_too_long'],
    ['image: not JSON', '/api/v1/stream/image', '{nope', 400, 'invalid_json'],
    ['tts: nothing to read', '/api/v1/stream/tts', {}, 400, 'missing_question'],
    [
      'tts: both text and message_id',
      '/api/v1/stream/tts',
      { text: 'a', message_id: 'b' },
      400,
      'bad_request',
    ],
    ['tts: unknown message', '/api/v1/stream/tts', { message_id: 'nope' }, 404, 'message_not_found'],
    ['tts: too long', '/api/v1/stream/tts', { text: 'x'.repeat(20_001) }, 413, 'question_too_long'],
  ];
  for (const [name, path, body, status, type] of cases) {
    test(name, async () => {
      const running = app.services.engine.runningCount;
      const response = await app.request(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...ANN },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      assert.equal(response.status, status);
      assert.equal(((await response.json()) as { error: { type: string } }).error.type, type);
      assert.equal(app.services.engine.runningCount, running);
    });
  }

  test('GET ?q= starts an image; HEAD checks the input and starts nothing', async () => {
    const running = app.services.engine.runningCount;
    const head = await app.request('/api/v1/stream/image?q=a%20fox', { method: 'HEAD', headers: ANN });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal((await app.request('/api/v1/stream/image', { method: 'HEAD', headers: ANN })).status, 400);
    assert.equal(app.services.engine.runningCount, running);
    const events = await eventsOf(
      await app.request('/api/v1/stream/image?q=a%20fox&size=64x64', { headers: ANN }),
    );
    assert.equal(dataOf<{ final?: boolean }>(events, 'preview').at(-1)?.final, true);
  });
});
