/**
 * `StreamReader`: one connection's view of a stream, from a resume point on. Piping it to a
 * sink (an HTTP response, a WebSocket) follows the store's log, replay then live, and keeps
 * the connection in the engine's heartbeat until it closes. A resume is just a reader that
 * starts earlier.
 * @module
 */
import { encodeEvent } from '@tidewire/protocol';
import type { Heartbeat } from './heartbeat.ts';
import type { EngineObserver } from './observer.ts';
import type { SSESink } from './sink.ts';
import type { LogReader, StreamInfo, StreamStore } from './store.ts';
import { utf8Length } from './utf8.ts';

/** What a reader gets when the store fails under it: `error` then `done`, both without id. */
export function storeFailureFrames(doneData: object): string {
  const error = { type: 'service_unavailable', message: 'the stream store is unavailable; resume later' };
  return encodeEvent('error', error) + encodeEvent('done', { reason: 'error', ...doneData });
}

/** Frames written to a sink at once, at most (a long replay goes out in pieces, paced). */
const GROUP_CHARS = 64 * 1024;

/** Consecutive frames in groups of about `GROUP_CHARS` (a larger frame is a group alone). */
function* groups(frames: string[]): Generator<string[]> {
  let group: string[] = [];
  let size = 0;
  for (const frame of frames) {
    if (size > 0 && size + frame.length > GROUP_CHARS) {
      yield group;
      group = [];
      size = 0;
    }
    group.push(frame);
    size += frame.length;
  }
  if (group.length > 0) yield group;
}

/** What a reader shares with the engine that made it. */
export interface ReaderContext {
  store: StreamStore;
  heartbeat: Heartbeat;
  observer: EngineObserver;
  /** Open sinks, so the engine can end them all at shutdown. */
  sinks: Set<SSESink>;
  /** `storeFailureFrames` with the app's `done` data. */
  failureFrames: string;
}

export class StreamReader<M = unknown> {
  readonly info: StreamInfo<M>;
  /** The reader starts after this sequence number (0: the whole stream). */
  readonly afterSeq: number;
  readonly #context: ReaderContext;
  #piped = false;

  constructor(info: StreamInfo<M>, afterSeq: number, context: ReaderContext) {
    this.info = info;
    this.afterSeq = afterSeq;
    this.#context = context;
  }

  /** Sends the stream to `sink` until it ends or the sink closes. A reader pipes once. */
  pipe(sink: SSESink): void {
    if (this.#piped) throw new Error('a StreamReader pipes to one sink only');
    this.#piped = true;
    new Piping(this.info as StreamInfo, this.afterSeq, this.#context, sink);
  }
}

/**
 * One reader's log followed into its sink, replay then live, until either ends. A class with
 * its methods on the prototype (the store's `LogReader`), not an object of closures: every
 * open connection holds one.
 */
class Piping implements LogReader {
  readonly #info: StreamInfo;
  readonly #context: ReaderContext;
  readonly #sink: SSESink;
  #detach: (() => void) | undefined;
  #closed = false;

  constructor(info: StreamInfo, afterSeq: number, context: ReaderContext, sink: SSESink) {
    this.#info = info;
    this.#context = context;
    this.#sink = sink;
    const { store, heartbeat, observer, sinks } = context;
    sink.onClose(this.#close);
    sinks.add(sink);
    heartbeat.add(sink);
    observer.onConnectionOpen?.(info, afterSeq > 0);
    this.#detach = store.follow(info.streamId, afterSeq, this);
    if (this.#closed) this.#detach();
  }

  onFrames(frames: string[]): void {
    // The live case, one frame at a time, without a generator and its groups.
    if (frames.length === 1) {
      this.#send(frames[0]!, 1);
      return;
    }
    for (const group of groups(frames)) {
      if (this.#closed) return;
      this.#send(group.length === 1 ? group[0]! : group.join(''), group.length);
    }
  }

  #send(text: string, count: number): void {
    if (!this.#closed && this.#sink.write(text))
      this.#context.observer.onFramesSent?.(count, utf8Length(text));
  }

  onEnd(): void {
    this.#sink.end();
  }

  onError(error: Error): void {
    // The log cannot be read (store down): say so, without ids, so the sequence stays intact.
    this.#context.observer.onError?.(error, this.#info);
    this.#sink.write(this.#context.failureFrames);
    this.#sink.end();
  }

  readonly #close = (): void => {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach?.();
    const { heartbeat, sinks, observer } = this.#context;
    heartbeat.delete(this.#sink);
    sinks.delete(this.#sink);
    observer.onConnectionClose?.(this.#info);
  };
}
