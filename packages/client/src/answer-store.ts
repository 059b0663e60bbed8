/**
 * `AnswerStore`: one answer at a time as a subscribable snapshot (text, rich parts, connection
 * state, how it ended), for UI frameworks that render from a store (`useSyncExternalStore`).
 * `ask` starts a stream (once), `resume` replays one by id from its start, `stop` cancels the
 * generation on the server, `close` only stops reading.
 * @module
 */
import type { ConsumerState } from './handlers.ts';
import { streamUrlOf } from './resume-url.ts';
import { emptyRich, RichTracker, type RichView } from './rich-answer.ts';
import { SSEConsumer, type SSEConsumerOptions } from './sse-consumer.ts';

export interface AnswerSnapshot {
  text: string;
  rich: RichView;
  state: ConsumerState;
  streamId: string | undefined;
  /** `done.reason` once the answer ended. */
  reason: string | undefined;
  /** The last error's message (a stream `error` event, or the failure that stopped reading). */
  error: string | undefined;
}

export type AnswerStoreOptions = Omit<SSEConsumerOptions, 'body' | 'resumeFrom' | 'method' | 'signal'>;

const IDLE: AnswerSnapshot = {
  text: '',
  rich: emptyRich(),
  state: 'idle',
  streamId: undefined,
  reason: undefined,
  error: undefined,
};

export class AnswerStore {
  readonly #url: string;
  readonly #options: AnswerStoreOptions;
  readonly #listeners = new Set<() => void>();
  #snapshot = IDLE;
  #consumer: SSEConsumer | undefined;

  /** `url` is the start URL, such as `/api/v1/stream/chat`. */
  constructor(url: string, options: AnswerStoreOptions = {}) {
    this.#url = url;
    this.#options = options;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  readonly getSnapshot = (): AnswerSnapshot => this.#snapshot;

  /** Starts a new answer with this request body (such as `{q}` or `{messages}`). */
  ask(body: unknown): Promise<void> {
    return this.#read({ body }, true);
  }

  /** Reads a stream from its first event (after a reload, or to show a finished answer again). */
  resume(streamId: string): Promise<void> {
    return this.#read({ resumeFrom: { streamId, seq: 0 } }, false);
  }

  /** Cancels the generation on the server; the answer then ends with `cancelled`. */
  async stop(): Promise<void> {
    const streamId = this.#snapshot.streamId;
    if (!streamId) return;
    const url = `${streamUrlOf(this.#url, streamId, globalThis.location?.href)}/cancel`;
    await (this.#options.fetch ?? fetch)(url, { method: 'POST', headers: this.#options.headers });
  }

  /** Stops reading (the generation goes on). */
  close(): void {
    this.#consumer?.close();
  }

  async #read(start: Pick<SSEConsumerOptions, 'body' | 'resumeFrom'>, live: boolean): Promise<void> {
    this.#consumer?.close();
    const tracker = new RichTracker();
    this.#set({ ...IDLE, rich: tracker.view });
    const consumer = new SSEConsumer(this.#url, {
      ...this.#options,
      ...start,
      method: 'POST',
      onStateChange: (state, info) => {
        if (this.#consumer !== consumer) return;
        this.#set({ ...this.#snapshot, state, error: info.error?.message ?? this.#snapshot.error });
      },
      onError: (error) => {
        if (this.#consumer === consumer) this.#set({ ...this.#snapshot, error: error.message });
      },
    });
    this.#consumer = consumer;
    for await (const event of consumer) {
      if (this.#consumer !== consumer) return;
      const rich = tracker.apply(event, performance.now(), live);
      const change: Partial<AnswerSnapshot> = { rich, streamId: consumer.streamId, text: consumer.text };
      if (event.event === 'done') change.reason = event.data.reason;
      this.#set({ ...this.#snapshot, ...change });
    }
  }

  #set(snapshot: AnswerSnapshot): void {
    this.#snapshot = snapshot;
    for (const listener of this.#listeners) listener();
  }
}
