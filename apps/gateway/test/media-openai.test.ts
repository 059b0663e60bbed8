/**
 * The media streams against OpenAI-compatible upstreams (a fake in the documented streaming
 * formats, checked first with the official `openai` client): progress rises to 100, every
 * partial image arrives as a preview, the final image and the concatenated audio are the
 * upstream's bytes exactly; failures and cancels reach the stream and the upstream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { Stream } from 'openai/streaming';
import {
  type FakeMedia,
  imageBytes,
  openAIMediaEnv,
  speechBytes,
  startFakeMedia,
} from '../../../testing/fake-media.ts';
import { eventsOf, startTestApp, type TestApp } from '../../../testing/in-process.ts';
import { artifactBytes, audioOf, dataOf, postJson, streamIdOf } from '../../../testing/media-streams.ts';
import { sentencesOf } from '../src/media/sentences.ts';

let fake: FakeMedia;
let app: TestApp;
before(async () => {
  fake = await startFakeMedia();
  app = await startTestApp({
    ...openAIMediaEnv(fake.url),
    IMAGE_API_KEY: 'sk-image',
    IMAGE_MODEL: 'gpt-image-1',
    IMAGE_PARTIAL_IMAGES: '2',
    TTS_API_KEY: 'sk-speech',
    TTS_MODEL: 'gpt-4o-mini-tts',
    TTS_VOICE: 'coral',
    DEMO_TOKENS_PER_SEC: '300',
  });
});
after(async () => {
  await app.close();
  await fake.close();
});
const reset = () => {
  fake.options = {};
  fake.requests.length = 0;
};

describe('the fake upstream speaks the documented formats (read by the official openai client)', () => {
  const client = () => new OpenAI({ apiKey: 'sk-test', baseURL: fake.url });

  test('images.generate with stream: partial_image events, then completed', async () => {
    reset();
    const stream = await client().images.generate({
      model: 'gpt-image-1',
      prompt: 'a fox',
      stream: true,
      partial_images: 2,
    });
    const events = [];
    for await (const event of stream) events.push(event);
    assert.deepEqual(
      events.map((e) => e.type),
      ['image_generation.partial_image', 'image_generation.partial_image', 'image_generation.completed'],
    );
    assert.deepEqual(Buffer.from(events[1]!.b64_json, 'base64'), imageBytes('a fox', 1));
    assert.deepEqual(Buffer.from(events[2]!.b64_json, 'base64'), imageBytes('a fox', 'final'));
  });

  test('audio.speech with stream_format sse: speech.audio.delta pieces, then speech.audio.done', async () => {
    reset();
    const response = await client().audio.speech.create({
      model: 'gpt-4o-mini-tts',
      voice: 'coral',
      input: 'Hello.',
      stream_format: 'sse',
    });
    const events: { type: string; audio?: string }[] = [];
    for await (const event of Stream.fromSSEResponse<{ type: string; audio?: string }>(
      response,
      new AbortController(),
    ))
      events.push(event);
    assert.deepEqual(
      events.map((e) => e.type),
      ['speech.audio.delta', 'speech.audio.delta', 'speech.audio.delta', 'speech.audio.done'],
    );
    const audio = Buffer.concat(events.filter((e) => e.audio).map((e) => Buffer.from(e.audio!, 'base64')));
    assert.deepEqual(audio, speechBytes('Hello.'));
  });
});

describe('POST /api/v1/stream/image with IMAGE_PROVIDER=openai', () => {
  test('progress rises to 100, every partial image arrives, the final image is the upstream bytes', async () => {
    reset();
    const events = await eventsOf(
      await postJson(app, '/api/v1/stream/image', { prompt: 'a red fox', size: '1024x1024' }),
    );
    assert.deepEqual(events[0]!.data, { ...(events[0]!.data as object), model: 'gpt-image-1' });
    const pcts = dataOf<{ pct: number }>(events, 'progress').map((p) => p.pct);
    assert.ok(
      pcts.every((pct, k) => k === 0 || pct > pcts[k - 1]!),
      `rising: ${pcts}`,
    );
    assert.equal(pcts.at(-1), 100);
    const previews = dataOf<{ url: string; type: string; final?: boolean }>(events, 'preview');
    assert.equal(previews.length, 3);
    assert.deepEqual(
      previews.map((p) => p.final ?? false),
      [false, false, true],
    );
    const expected = [
      imageBytes('a red fox', 0),
      imageBytes('a red fox', 1),
      imageBytes('a red fox', 'final'),
    ];
    for (const [k, preview] of previews.entries()) {
      assert.equal(preview.type, 'image/png');
      assert.deepEqual(await artifactBytes(app, preview.url), expected[k]);
    }
    assert.equal(events.at(-1)!.event, 'done');
    assert.equal((events.at(-1)!.data as { reason: string }).reason, 'stop');
    const [request] = fake.requests;
    assert.equal(request!.path, '/v1/images/generations');
    assert.equal(request!.authorization, 'Bearer sk-image');
    assert.deepEqual(request!.body, {
      model: 'gpt-image-1',
      prompt: 'a red fox',
      n: 1,
      size: '1024x1024',
      stream: true,
      partial_images: 2,
    });
  });

  test('an upstream that refuses the key ends the stream with upstream_auth', async () => {
    reset();
    fake.options.status = 401;
    const events = await eventsOf(await postJson(app, '/api/v1/stream/image', { prompt: 'a fox' }));
    assert.equal(dataOf<{ type: string }>(events, 'error')[0]?.type, 'upstream_auth');
    assert.equal(dataOf<{ reason: string }>(events, 'done')[0]?.reason, 'error');
  });

  test('an image stream that is not JSON, or that ends before its completed event, ends with upstream_error', async () => {
    for (const option of ['garbage', 'cutImage'] as const) {
      reset();
      fake.options[option] = true;
      const events = await eventsOf(await postJson(app, '/api/v1/stream/image', { prompt: 'a fox' }));
      assert.equal(dataOf<{ type: string }>(events, 'error')[0]?.type, 'upstream_error', option);
      assert.equal(
        dataOf<{ final?: boolean }>(events, 'preview').some((p) => p.final),
        false,
      );
      assert.equal(events.at(-1)!.event, 'done');
    }
  });

  test('a cancel aborts the upstream request and ends the stream cancelled', async () => {
    reset();
    fake.options.holdImage = true;
    const response = await postJson(app, '/api/v1/stream/image', { prompt: 'a slow fox' });
    const seen = await eventsOf(response, (e) => e.event === 'preview');
    const cancel = await app.request(`/api/v1/streams/${streamIdOf(seen)}/cancel`, { method: 'POST' });
    assert.equal(cancel.status, 200);
    const rest = await eventsOf(await app.request(`/api/v1/streams/${streamIdOf(seen)}?after=0`));
    assert.equal(dataOf<{ reason: string }>(rest, 'done')[0]?.reason, 'cancelled');
    for (let k = 0; k < 100 && !fake.requests[0]!.aborted; k++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(fake.requests[0]!.aborted, true);
  });
});

describe('POST /api/v1/stream/tts with TTS_PROVIDER=openai', () => {
  const text = 'Good morning. The tide is **high** today! Shall we go?';
  const upstreamAudio = () => Buffer.concat(sentencesOf(text).map(speechBytes));

  test('one audio event per sentence; the chunks concatenated are the upstream audio byte for byte', async () => {
    reset();
    const events = await eventsOf(await postJson(app, '/api/v1/stream/tts', { text }));
    const audio = dataOf<{ seq: number; format: string; text: string }>(events, 'audio');
    assert.deepEqual(
      audio.map((a) => a.seq),
      [1, 2, 3],
    );
    assert.deepEqual(
      audio.map((a) => a.text),
      ['Good morning.', 'The tide is high today!', 'Shall we go?'],
    );
    assert.ok(audio.every((a) => a.format === 'mp3'));
    assert.deepEqual(await audioOf(app, events), upstreamAudio());
    assert.deepEqual(fake.requests[0]!.body, {
      model: 'gpt-4o-mini-tts',
      voice: 'coral',
      input: 'Good morning.',
      response_format: 'mp3',
      stream_format: 'sse',
    });
    assert.equal(fake.requests[0]!.authorization, 'Bearer sk-speech');
  });

  test('a server that ignores stream_format and sends raw audio gives the same bytes', async () => {
    reset();
    fake.options.rawSpeech = true;
    const events = await eventsOf(await postJson(app, '/api/v1/stream/tts', { text }));
    assert.deepEqual(await audioOf(app, events), upstreamAudio());
  });

  test('a rate-limited upstream ends the stream with upstream_rate_limited', async () => {
    reset();
    fake.options.status = 429;
    const events = await eventsOf(await postJson(app, '/api/v1/stream/tts', { text }));
    assert.equal(dataOf<{ type: string }>(events, 'error')[0]?.type, 'upstream_rate_limited');
  });

  test('{stream_id} reads a chat answer aloud while it streams: the sentences of the whole answer, in order', async () => {
    reset();
    const chat = await postJson(app, '/api/v1/stream/chat', { q: 'Read me while you write' });
    const [hello] = await eventsOf(chat, (e) => e.event === 'hello');
    const streamId = streamIdOf([hello!]);
    const speech = await eventsOf(await postJson(app, '/api/v1/stream/tts', { stream_id: streamId }));
    const answer = (await eventsOf(await app.request(`/api/v1/streams/${streamId}?after=0`)))
      .filter((e) => e.event === 'delta')
      .map((e) => (e.data as { text: string }).text)
      .join('');
    const sentences = sentencesOf(answer);
    assert.ok(sentences.length > 5);
    const first = speech.findIndex((e) => e.event === 'audio');
    assert.ok(first > 0);
    assert.deepEqual(
      dataOf<{ text: string }>(speech, 'audio').map((a) => a.text),
      sentences,
    );
    assert.deepEqual(await audioOf(app, speech), Buffer.concat(sentences.map(speechBytes)));
    assert.equal((await postJson(app, '/api/v1/stream/tts', { stream_id: 'no-such-stream' })).status, 404);
  });
});
