/**
 * Test fixtures for the engine: a recording sink and a scripted generation.
 * @module
 */
import { createParser, decodeStreamEvent, type StreamEvent } from '@tidewire/protocol';
import type { SSESink } from '../src/index.ts';
import type { Stream } from '../src/stream.ts';

/** A sink that records what it is sent; `capacity` bounds unsent text like a slow client. */
export class RecordingSink implements SSESink {
  text = '';
  ended = false;
  closed = false;
  #onClose: (() => void)[] = [];

  write(text: string): boolean {
    if (this.closed) return false;
    this.text += text;
    return true;
  }
  end(): void {
    this.ended = true;
    this.close();
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const callback of this.#onClose) callback();
  }
  onClose(callback: () => void): void {
    this.#onClose.push(callback);
  }
  events(): StreamEvent[] {
    const out: StreamEvent[] = [];
    const parser = createParser({
      onEvent(e) {
        const d = decodeStreamEvent(e);
        if (!d.ok) throw new Error(d.message);
        out.push(d.event);
      },
    });
    parser.feed(this.text);
    return out;
  }
}

/** Feeds `words` into the stream and ends it with `done {reason: "stop"}`. */
export async function generate(stream: Stream, words: string[]): Promise<void> {
  stream.emit('start', { status: 'processing' });
  for (const word of words) stream.delta(word);
  await stream.end('stop', words.length);
}

export const WORDS = 'Ein Satz, und noch einer. مرحبا بالعالم 👩🏽‍💻 done! '.repeat(8).split(/(?= )/);
