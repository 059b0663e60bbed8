/**
 * The `StreamEngine`: starts streams, attaches connections to them as readers of the log
 * (a resume is just a reader that starts earlier), cancels, and keeps the heartbeat. The
 * generation itself is driven by the caller through the `Stream` it gets back.
 * @module
 */
import { encodeEvent } from '@tidewire/protocol';
import type { Coordinator } from './coordinator.ts';
import { Heartbeat } from './heartbeat.ts';
import { newId } from './ids.ts';
import type { EngineObserver } from './observer.ts';
import type { SSESink } from './sink.ts';
import type { StreamInfo, StreamStore } from './store.ts';
import { Stream, type StreamLimits } from './stream.ts';

export interface EngineOptions extends Partial<StreamLimits> {
  store: StreamStore;
  heartbeatMs?: number;
  observer?: EngineObserver;
  /** With a shared store: leases, cancels across instances, takeovers. */
  coordinator?: Coordinator;
  /** Called with a stream this instance must take over (its owner died). */
  onOrphan?: (streamId: string) => Promise<void>;
}

export const DEFAULT_LIMITS: StreamLimits = {
  maxLogBytes: 8 * 1024 * 1024,
  retentionMs: 300_000,
  coalesceWords: 6,
  coalesceHoldMs: 30,
};

/** What a reader gets when the store fails under it: `error` then `done`, both without id. */
const STORE_FAILURE_FRAMES =
  encodeEvent('error', {
    type: 'service_unavailable',
    message: 'the stream store is unavailable; resume later',
  }) + encodeEvent('done', { reason: 'error', tokens: 0 });

export type AttachResult = 'attached' | 'not_found';

export class StreamEngine {
  readonly store: StreamStore;
  readonly limits: StreamLimits;
  readonly #observer: EngineObserver;
  readonly #heartbeat: Heartbeat;
  readonly #running = new Map<string, Stream>();
  readonly #sinks = new Set<SSESink>();
  readonly #coordinator: Coordinator | undefined;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.#observer = options.observer ?? {};
    this.limits = { ...DEFAULT_LIMITS, ...definedOnly(options) };
    this.#heartbeat = new Heartbeat(options.heartbeatMs ?? 20_000, (n) => this.#observer.onPing?.(n));
    this.#coordinator = options.coordinator;
    this.#coordinator?.listen({
      onCancel: (streamId) => void this.#running.get(streamId)?.cancel(),
      onLeaseLost: (streamId) => this.#running.get(streamId)?.abandon(),
      onOrphan: (streamId) => options.onOrphan?.(streamId) ?? Promise.resolve(),
    });
  }

  /** Creates a stream and appends its `hello` event. */
  async start(init: Omit<StreamInfo, 'streamId' | 'createdAt'>): Promise<Stream> {
    const info: StreamInfo = { ...init, streamId: newId(), createdAt: Date.now() };
    await this.store.create(info);
    await this.#coordinator?.own(info.streamId);
    const stream = new Stream(
      info,
      this.store,
      this.limits,
      (s) => this.#streamEnded(s),
      undefined,
      this.#observer,
    );
    this.#running.set(info.streamId, stream);
    this.#observer.onStreamStart?.(info);
    stream.emit('hello', {
      ts: info.createdAt,
      model: info.model,
      conversation_id: info.conversationId,
      stream_id: info.streamId,
    });
    return stream;
  }

  /**
   * Continues a stream another instance started and can no longer finish: numbering goes on
   * after `frames` (the log so far). The caller holds its lease and drives the generation.
   */
  adopt(info: StreamInfo, frames: string[]): Stream {
    const bytes = frames.reduce((sum, frame) => sum + frame.length, 0);
    const stream = new Stream(
      info,
      this.store,
      this.limits,
      (s) => this.#streamEnded(s),
      { seq: frames.length, bytes },
      this.#observer,
    );
    this.#running.set(info.streamId, stream);
    this.#observer.onStreamAdopted?.(info);
    this.#observer.onStreamStart?.(info);
    return stream;
  }

  /** Gives up a stream adopted by mistake (it had already ended). */
  async release(streamId: string): Promise<void> {
    await this.#coordinator?.release(streamId);
  }

  /** The running stream owned by this engine, if any. */
  running(streamId: string): Stream | undefined {
    return this.#running.get(streamId);
  }

  get runningCount(): number {
    return this.#running.size;
  }

  /**
   * Cancels a stream: here when this engine runs it, else by asking its owner (shared store).
   * Returns false when no running stream was found to cancel.
   */
  async cancel(streamId: string): Promise<boolean> {
    const stream = this.#running.get(streamId);
    if (stream) {
      await stream.cancel();
      return true;
    }
    if (!this.#coordinator) return false;
    await this.#coordinator.requestCancel(streamId);
    return true;
  }

  /**
   * Attaches an open connection to a stream as a reader starting after `afterSeq`.
   * The caller must have checked the stream exists (`store.info`); a stream that expired in
   * between ends the connection.
   */
  attach(info: StreamInfo, afterSeq: number, sink: SSESink): void {
    let detach: (() => void) | undefined;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      detach?.();
      this.#heartbeat.delete(sink);
      this.#sinks.delete(sink);
      this.#observer.onConnectionClose?.(info);
    };
    sink.onClose(close);
    this.#sinks.add(sink);
    this.#heartbeat.add(sink);
    this.#observer.onConnectionOpen?.(info, afterSeq > 0);
    const observer = this.#observer;
    detach = this.store.follow(info.streamId, afterSeq, {
      onFrames(frames) {
        if (closed) return;
        const text = frames.length === 1 ? frames[0]! : frames.join('');
        if (sink.write(text)) observer.onFramesSent?.(frames.length, text.length);
      },
      onEnd: () => sink.end(),
      onError: () => {
        // The log cannot be read (store down): say so, without ids, so the sequence stays intact.
        sink.write(STORE_FAILURE_FRAMES);
        sink.end();
      },
    });
    if (closed) detach();
  }

  /** Ends every open connection (clients resume elsewhere); streams keep running. */
  endConnections(): void {
    for (const sink of [...this.#sinks]) sink.end();
  }

  /** Resolves when every running stream has ended, or after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<void> {
    const all = Promise.all([...this.#running.values()].map((s) => s.finished));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /**
   * Stops the engine. Streams still running are cancelled, except with a coordinator: then
   * they are handed off, and another instance continues them.
   */
  async close(): Promise<void> {
    this.#heartbeat.stop();
    this.endConnections();
    for (const stream of [...this.#running.values()]) {
      if (!this.#coordinator) {
        await stream.cancel();
        continue;
      }
      await stream.drained();
      stream.abandon();
      await this.#coordinator.handOff(stream.id).catch(() => {});
      this.#observer.onStreamHandedOff?.(stream.info);
    }
    await this.#coordinator?.close();
    await this.store.close();
  }

  #streamEnded(stream: Stream): void {
    this.#running.delete(stream.id);
    if (!stream.abandoned) this.#coordinator?.release(stream.id).catch(() => {});
    this.#observer.onStreamEnd?.(stream.info, Date.now() - stream.info.createdAt);
  }
}

function definedOnly(options: Partial<StreamLimits>): Partial<StreamLimits> {
  const out: Partial<StreamLimits> = {};
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof StreamLimits)[]) {
    if (options[key] !== undefined) out[key] = options[key];
  }
  return out;
}
