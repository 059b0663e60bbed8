/**
 * The sentences of a chat answer as it is written: a reader of the answer's stream (from its
 * first event, so a stream that already ended is read whole), its `delta` text cut into
 * sentences as each one finishes. Reading aloud can then start while the answer streams.
 * The reader is detached when the iteration stops (the end, a cancel, a failure).
 * @module
 */
import { createParser, decodeStreamEvent } from '@tidewire/protocol';
import type { SSESink, StreamReader } from '@tidewire/server';
import { SentenceStream } from './sentences.ts';

export async function* answerSentences(
  reader: StreamReader<unknown>,
  signal: AbortSignal,
): AsyncIterable<string> {
  const ready: string[] = [];
  const sentences = new SentenceStream();
  let ended = false;
  let wake: (() => void) | undefined;
  const closers: (() => void)[] = [];
  const finish = () => {
    if (!ended) ready.push(...sentences.flush());
    ended = true;
    wake?.();
  };
  const parser = createParser({
    onEvent(parsed) {
      const decoded = decodeStreamEvent(parsed);
      if (!decoded.ok) return;
      if (decoded.event.event === 'delta') ready.push(...sentences.push(decoded.event.data.text));
      else if (decoded.event.event === 'done') finish();
    },
  });
  const sink: SSESink = {
    write(frame) {
      parser.feed(frame);
      wake?.();
      return true;
    },
    end: finish,
    onClose: (callback) => closers.push(callback),
  };
  signal.addEventListener('abort', finish, { once: true });
  reader.pipe(sink);
  try {
    while (!signal.aborted) {
      if (ready.length > 0) yield ready.shift()!;
      else if (ended) return;
      else await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    signal.removeEventListener('abort', finish);
    for (const close of closers) close();
  }
}
