/**
 * Reads a text aloud into a stream: `start`, then one `audio {seq, format, url}` per sentence
 * as soon as it is spoken (its bytes stored as an artifact first), then `done`. A player
 * starts on the first chunk; a cancel stops the synthesiser.
 * @module
 */
import type { ChatStream } from '../chat-engine.ts';
import { artifactPath } from '../routes/artifacts.ts';
import type { SpeechProvider } from './provider.ts';
import { failTask } from './task-failure.ts';

export async function runSpeechTask(
  stream: ChatStream,
  provider: SpeechProvider,
  sentences: Iterable<string> | AsyncIterable<string>,
): Promise<void> {
  stream.emit('start', { status: 'processing' });
  let seq = 0;
  try {
    for await (const chunk of provider.speak(sentences, stream.signal)) {
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
