/**
 * Reads a text aloud into a stream: `start`, then one `audio {seq, format, url}` per sentence
 * as soon as it is spoken (its bytes stored as an artifact first), then `done`. A player
 * starts on the first chunk; a cancel stops the synthesiser. A takeover runs it again from
 * what the log holds (`speechSoFar`): the sentences already spoken are skipped.
 * @module
 */
import type { StreamEvent } from '@tidewire/protocol';
import type { ChatStream } from '../chat-engine.ts';
import { artifactPath } from '../routes/artifacts.ts';
import type { SpeechProvider } from './provider.ts';
import { failTask } from './task-failure.ts';

/** What a read-aloud stream's log already holds. */
export interface SpeechSoFar {
  started: boolean;
  /** Sentences spoken (their `audio` events sent). */
  spoken: number;
}

const NOTHING_YET: SpeechSoFar = { started: false, spoken: 0 };

/** How far a read-aloud stream got, from its events. */
export function speechSoFar(events: StreamEvent[]): SpeechSoFar {
  return {
    started: events.some((e) => e.event === 'start'),
    spoken: events.filter((e) => e.event === 'audio').length,
  };
}

export async function runSpeechTask(
  stream: ChatStream,
  provider: SpeechProvider,
  sentences: Iterable<string> | AsyncIterable<string>,
  soFar: SpeechSoFar = NOTHING_YET,
): Promise<void> {
  if (!soFar.started) stream.emit('start', { status: 'processing' });
  let seq = soFar.spoken;
  try {
    for await (const chunk of provider.speak(skip(sentences, soFar.spoken), stream.signal)) {
      const n = await stream.putArtifact(chunk);
      stream.emit('audio', {
        seq: ++seq,
        format: chunk.format,
        url: artifactPath(stream.id, n),
        type: chunk.type,
        text: chunk.text,
      });
    }
    await stream.end('stop');
  } catch (error) {
    await failTask(stream, error);
  }
}

/** The sentences after the first `count`. */
async function* skip(sentences: Iterable<string> | AsyncIterable<string>, count: number) {
  let k = 0;
  for await (const sentence of sentences) if (k++ >= count) yield sentence;
}
