/**
 * The media streams: `POST|GET /api/v1/stream/image` (a generated image, with progress and
 * sharpening previews) and `POST /api/v1/stream/tts` (a text or a stored answer, read aloud
 * sentence by sentence). They are streams like a chat answer: same ids, resume, cancel, limits
 * and owner; their images and audio are the stream's artifacts. Their meta names the job, so
 * another instance continues it when this one dies (`takeover.ts`). A request naming a resume
 * point resumes and starts nothing; `HEAD` checks and starts nothing.
 * @module
 */
import type { ResumePoint } from '@tidewire/server';
import { sseHeaders } from '@tidewire/server/internal';
import type { Context, Hono } from 'hono';
import type { ChatStream } from '../chat-engine.ts';
import { answerSentences } from '../media/answer-sentences.ts';
import { runImageTask } from '../media/image-task.ts';
import type { MediaJob } from '../media/provider.ts';
import { sentencesOf } from '../media/sentences.ts';
import { runSpeechTask } from '../media/speech-task.ts';
import type { AppEnv, Services } from '../services.ts';
import { type ChatStarter, callerOf } from './chat-starter.ts';
import { readImageInput, readSpeechInput } from './media-input.ts';
import { openOwn, resumePointIn } from './resume-point.ts';

type MediaServices = Pick<
  Services,
  'engine' | 'config' | 'conversations' | 'limits' | 'connections' | 'metrics' | 'respondSSE' | 'media'
>;

export function mediaRoutes(app: Hono<AppEnv>, services: MediaServices, starter: ChatStarter): void {
  const { engine, config, media } = services;
  /** Counts the request's connection against its IP (429 past the bound), as chat streams do. */
  const enterConnection = (c: Context<AppEnv>) => starter.enterConnection(callerOf(c, config.TRUST_PROXY));

  async function resume(c: Context<AppEnv>, point: ResumePoint): Promise<Response> {
    const { reader } = await openOwn(c, engine, point);
    return services.respondSSE(c, reader, enterConnection(c));
  }

  /** Starts a task under the connection, rate and concurrency limits, and answers with its stream. */
  async function startTask(
    c: Context<AppEnv>,
    model: string,
    job: MediaJob,
    run: (stream: ChatStream) => Promise<void>,
  ) {
    const leave = enterConnection(c);
    let release: (() => void) | undefined;
    try {
      release = await starter.admit(callerOf(c, config.TRUST_PROXY));
      const meta = { model, conversationId: null, userId: c.get('user'), media: job };
      const stream = await engine.start({ meta });
      const done = release;
      void run(stream);
      void stream.finished.then(done);
      c.var.log.info({ stream: stream.id, model }, 'media stream started');
      return services.respondSSE(c, stream.reader(), leave);
    } catch (error) {
      release?.();
      leave();
      throw error;
    }
  }

  async function startImage(c: Context<AppEnv>): Promise<Response> {
    const point = resumePointIn(c);
    if (point) return resume(c, point);
    const request = await readImageInput(c, config.MAX_QUESTION_LENGTH);
    return startTask(c, media.image.name, { kind: 'image', request }, (stream) =>
      runImageTask(stream, media.image, request),
    );
  }

  async function startSpeech(c: Context<AppEnv>): Promise<Response> {
    const point = resumePointIn(c);
    if (point) return resume(c, point);
    const input = await readSpeechInput(c, services.conversations, config.MAX_TTS_TEXT_LENGTH);
    // A chat answer is followed from its first event: read aloud while it streams.
    const answer =
      'streamId' in input ? await openOwn(c, engine, { streamId: input.streamId, afterSeq: 0 }) : undefined;
    const job: MediaJob = answer
      ? { kind: 'speech', answerStreamId: answer.info.streamId }
      : { kind: 'speech', text: (input as { text: string }).text };
    return startTask(c, media.speech.name, job, (stream) =>
      runSpeechTask(
        stream,
        media.speech,
        answer
          ? answerSentences(answer.reader, stream.signal)
          : sentencesOf((input as { text: string }).text),
      ),
    );
  }

  // Hono answers HEAD with the GET route: this runs first, so a HEAD checks and starts nothing.
  app.use('/api/v1/stream/image', async (c, next) => {
    if (c.req.method !== 'HEAD') return next();
    const point = resumePointIn(c);
    if (point) await openOwn(c, engine, point);
    else await readImageInput(c, config.MAX_QUESTION_LENGTH);
    return c.body(null, 200, sseHeaders(false));
  });
  app.get('/api/v1/stream/image', startImage);
  app.post('/api/v1/stream/image', startImage);
  app.post('/api/v1/stream/tts', startSpeech);
}
