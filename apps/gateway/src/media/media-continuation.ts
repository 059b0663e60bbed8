/**
 * How a takeover (`takeover.ts`) continues a media stream whose instance died: the log says
 * how far it got (the image's refinement steps, the sentences spoken), and a provider that
 * `canContinue` (the demos) goes on from there, so the final image and the audio are the
 * bytes of an uncut run. An upstream job cannot be resumed: the takeover ends the stream with
 * `generation_interrupted`.
 * @module
 */
import type { StreamEvent } from '@tidewire/protocol';
import { openOrThrow } from '@tidewire/server/internal';
import { type ChatEngine, ownedBy } from '../chat-engine.ts';
import type { Services } from '../services.ts';
import type { Continuation } from '../takeover.ts';
import { answerSentences } from './answer-sentences.ts';
import { imageSoFar, runImageTask } from './image-task.ts';
import type { MediaJob } from './provider.ts';
import { sentencesOf } from './sentences.ts';
import { runSpeechTask, speechSoFar } from './speech-task.ts';
import { failTask } from './task-failure.ts';

export function mediaContinuation(
  services: Pick<Services, 'engine' | 'media'>,
  job: MediaJob,
  userId: string | null,
  events: StreamEvent[],
): Continuation {
  const { engine, media } = services;
  if (job.kind === 'image') {
    return {
      textPieces: 0,
      interrupted: 'the instance generating this image stopped and its generator cannot continue it',
      run: media.image.canContinue
        ? (stream) => runImageTask(stream, media.image, job.request, imageSoFar(events))
        : undefined,
    };
  }
  return {
    textPieces: 0,
    interrupted: 'the instance reading this aloud stopped and its speech server cannot continue it',
    run: media.speech.canContinue
      ? async (stream) => {
          try {
            const sentences = await sentencesOfJob(engine, job, userId, stream.signal);
            await runSpeechTask(stream, media.speech, sentences, speechSoFar(events));
          } catch (error) {
            await failTask(stream, error);
          }
        }
      : undefined,
  };
}

/** What a speech job reads: its text, or the chat answer it follows (again from its start: the same sentences). */
async function sentencesOfJob(
  engine: ChatEngine,
  job: Extract<MediaJob, { kind: 'speech' }>,
  userId: string | null,
  signal: AbortSignal,
): Promise<Iterable<string> | AsyncIterable<string>> {
  if ('text' in job) return sentencesOf(job.text);
  const point = { streamId: job.answerStreamId, afterSeq: 0 };
  const { reader } = await openOrThrow(engine, point, ownedBy(userId));
  return answerSentences(reader, signal);
}
