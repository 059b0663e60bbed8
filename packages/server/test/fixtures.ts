/**
 * Test fixtures for the engine: a recording sink and a scripted generation.
 * @module
 */

import type { Socket } from 'node:net';
import { createParser, decodeStreamEvent, type EventDataMap, type StreamEvent } from '@tidewire/protocol';
import { type EngineOptions, MemoryStreamStore, type Stream, StreamEngine } from '../src/index.ts';
import { RecordingSink as BaseRecordingSink } from '../src/test/index.ts';

/** An engine speaking the chat vocabulary, as the gateway configures it, on a memory store. */
export function chatLikeEngine(
  options: EngineOptions<EventDataMap, null> = {},
): StreamEngine<EventDataMap, null> {
  return new StreamEngine<EventDataMap, null>({
    store: new MemoryStreamStore(),
    heartbeatMs: 0,
    coalesceHoldMs: 5,
    textEvent: 'delta',
    hello: ({ streamId, ts }) => ({ ts, model: 'demo', conversation_id: null, stream_id: streamId }),
    doneData: (stream) => ({ tokens: stream?.textPieces ?? 0 }),
    ...options,
  });
}

/** The package's `RecordingSink`, which also decodes what it recorded into events. */
export class RecordingSink extends BaseRecordingSink {
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
export async function generate(stream: Stream<EventDataMap, null>, words: string[]): Promise<void> {
  stream.emit('start', { status: 'processing' });
  for (const word of words) stream.text(word);
  await stream.end('stop', { tokens: words.length });
}

export const WORDS = 'Ein Satz, und noch einer. مرحبا بالعالم 👩🏽‍💻 done! '.repeat(8).split(/(?= )/);

/** Counts the system-call-level writes (`_write`, `_writev`) of one socket from now on. */
export function countWrites(socket: Socket): { count: number } {
  const counted = { count: 0 };
  const { _write: write, _writev: writev } = socket as unknown as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  Object.assign(socket, {
    _write(...args: unknown[]) {
      counted.count++;
      return write!.apply(socket, args);
    },
    _writev(...args: unknown[]) {
      counted.count++;
      return writev!.apply(socket, args);
    },
  });
  return counted;
}
