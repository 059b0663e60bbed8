/**
 * A media stream whose owner died mid-task is continued from its log (`takeover.ts`, in
 * process: the owner abandons the stream as a dead instance would, then the takeover runs):
 * the demo image from its next refinement step, the demo speech from its next sentence (also
 * when it reads a chat answer), with every event of an uncut run once and the same bytes;
 * an artifact the owner stored without naming it keeps its number. A provider that cannot
 * continue (an OpenAI-compatible server, here a fake one) ends the stream with
 * `generation_interrupted`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { StreamEvent } from '@tidewire/protocol';
import { type FakeMedia, openAIMediaEnv, startFakeMedia } from '../../../testing/fake-media.ts';
import { eventsOf, startTestApp, type TestApp } from '../../../testing/in-process.ts';
import { artifactBytes, audioOf, dataOf, postJson } from '../../../testing/media-streams.ts';
import type { ChatStream } from '../src/chat-engine.ts';
import { answerSentences } from '../src/media/answer-sentences.ts';
import { runImageTask } from '../src/media/image-task.ts';
import type { ImageProvider, MediaJob, SpeechProvider } from '../src/media/provider.ts';
import { sentencesOf } from '../src/media/sentences.ts';
import { runSpeechTask } from '../src/media/speech-task.ts';
import { takeOver } from '../src/takeover.ts';

let app: TestApp;
before(async () => {
  app = await startTestApp({ DEMO_IMAGE_STEP_MS: '0' });
});
after(() => app.close());

/** Never settles, unless `signal` aborts (the stream was abandoned). */
const hang = (signal: AbortSignal) =>
  new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
  );

/** The first `count` items of `items`; then it hangs, as if its instance had died. */
async function* dyingAfter<T>(items: AsyncIterable<T>, count: number, died: () => void, signal: AbortSignal) {
  let k = 0;
  for await (const item of items) {
    if (k++ === count) {
      died();
      await hang(signal);
    }
    yield item;
  }
}

/**
 * Starts a media stream doing `job` on `on`, lets `run` write into it until it says its owner died,
 * lets `lastWords` do what the owner did just before, abandons the stream and takes it over;
 * resolves with the whole stream's events.
 */
async function diedAndTakenOver(
  on: TestApp,
  job: MediaJob,
  run: (stream: ChatStream, died: () => void) => void,
  lastWords: (stream: ChatStream) => Promise<unknown> = async () => {},
): Promise<StreamEvent[]> {
  const meta = { model: 'media', conversationId: null, userId: null, media: job };
  const stream = await on.services.engine.start({ meta });
  await new Promise<void>((died) => run(stream, died));
  await lastWords(stream);
  await stream.drained();
  stream.abandon();
  await takeOver(on.services, stream.id);
  return eventsOf(await on.request(`/api/v1/streams/${stream.id}?after=0`));
}

/** `provider` speaking one chunk, then dying. */
const speechDyingAfter = (provider: SpeechProvider, died: () => void): SpeechProvider => ({
  name: provider.name,
  canContinue: provider.canContinue,
  speak: (sentences, signal) => dyingAfter(provider.speak(sentences, signal), 1, died, signal),
});

/** `provider` yielding `steps` image steps, then dying. */
const imageDyingAfter = (provider: ImageProvider, steps: number, died: () => void): ImageProvider => ({
  name: provider.name,
  canContinue: provider.canContinue,
  generate: (request, signal) => dyingAfter(provider.generate(request, signal), steps, died, signal),
});

/** The events after `hello`, without artifact URLs (they name the stream). */
const shape = (events: StreamEvent[]) =>
  events.slice(1).map(({ event, data }) => ({ event, data: { ...(data as object), url: undefined } }));
const seqs = (events: StreamEvent[]) => events.map((e) => e.seq);

test('an image whose owner died after two steps (and one unnamed artifact) is finished from its third step', async () => {
  const request = { prompt: 'a lighthouse at dusk', size: '96x96' };
  const uncut = await eventsOf(await postJson(app, '/api/v1/stream/image', request));
  const demo = app.services.media.image;
  const all = await diedAndTakenOver(
    app,
    { kind: 'image', request },
    (stream, died) => void runImageTask(stream, imageDyingAfter(demo, 2, died), request),
    (stream) => stream.putArtifact({ type: 'image/png', bytes: new Uint8Array([1, 2, 3]) }),
  );
  assert.deepEqual(
    seqs(all),
    all.map((_, k) => k + 1),
    'every event once',
  );
  assert.deepEqual(shape(all), shape(uncut), 'the events of an uncut run');
  const previews = dataOf<{ url: string }>(all, 'preview').map((p) => p.url.split('/').at(-1));
  assert.deepEqual(previews, ['1', '2', '4', '5', '6', '7'], 'numbered after the unnamed artifact');
  const final = (events: StreamEvent[]) => dataOf<{ url: string }>(events, 'preview').at(-1)!.url;
  assert.deepEqual(await artifactBytes(app, final(all)), await artifactBytes(app, final(uncut)));
});

test('reading a chat answer aloud, cut after its first sentence, goes on from the next one', async () => {
  const { engine, media } = app.services;
  // A short answer, written as a model's tokens.
  const answer = await engine.start({ meta: { model: 'demo', conversationId: null, userId: null } });
  for (const token of ['The tide ', 'turns. ', 'Boats ', 'leave the harbour. ', 'Gulls ', 'follow.'])
    answer.text(token);
  await answer.end('stop');
  const answerStreamId = answer.id;
  const uncut = await eventsOf(await postJson(app, '/api/v1/stream/tts', { stream_id: answerStreamId }));
  assert.equal(dataOf(uncut, 'audio').length, 3);
  const opened = await engine.open({ streamId: answerStreamId, afterSeq: 0 });
  assert.ok(opened.status === 'attached');
  const all = await diedAndTakenOver(app, { kind: 'speech', answerStreamId }, (stream, died) => {
    const sentences = answerSentences(opened.reader, stream.signal);
    void runSpeechTask(stream, speechDyingAfter(media.speech, died), sentences);
  });
  assert.deepEqual(
    seqs(all),
    all.map((_, k) => k + 1),
    'every event once',
  );
  assert.deepEqual(shape(all), shape(uncut), 'the events of an uncut run');
  assert.deepEqual(await audioOf(app, all), await audioOf(app, uncut), 'the same audio');
});

describe('upstream jobs (OpenAI-compatible servers) cannot be continued', () => {
  let fake: FakeMedia;
  let upstream: TestApp;
  before(async () => {
    fake = await startFakeMedia();
    upstream = await startTestApp(openAIMediaEnv(fake.url));
  });
  after(async () => {
    await upstream.close();
    await fake.close();
  });

  const text = 'One sentence. Another sentence. A third one.';
  const request = { prompt: 'a harbour', size: undefined };
  const jobs: [string, MediaJob, (stream: ChatStream, died: () => void) => void][] = [
    [
      'an image',
      { kind: 'image', request },
      (stream, died) =>
        void runImageTask(stream, imageDyingAfter(upstream.services.media.image, 1, died), request),
    ],
    [
      'a reading aloud',
      { kind: 'speech', text },
      (stream, died) =>
        void runSpeechTask(stream, speechDyingAfter(upstream.services.media.speech, died), sentencesOf(text)),
    ],
  ];
  for (const [what, job, run] of jobs) {
    test(`${what}: what was written stays, then error generation_interrupted and done`, async () => {
      const all = await diedAndTakenOver(upstream, job, run);
      assert.equal(
        dataOf(all, job.kind === 'image' ? 'preview' : 'audio').length,
        1,
        'what was written stays',
      );
      const [error, done] = all.slice(-2);
      assert.ok(
        error?.event === 'error' && error.data.type === 'generation_interrupted',
        JSON.stringify(error),
      );
      assert.ok(done?.event === 'done' && done.data.reason === 'error');
    });
  }
});
