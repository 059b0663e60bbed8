/**
 * `@tidewire/client/react`: `useTidewireAnswer`, a React hook for apps that do not use the AI
 * SDK: one answer at a time (text, reasoning, tool calls, sources, files, connection state),
 * resumed exactly through cuts, replayable by stream id after a reload; Stop cancels it.
 * @module
 */
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { type AnswerSnapshot, AnswerStore, type AnswerStoreOptions } from './answer-store.ts';

export interface TidewireAnswer extends AnswerSnapshot {
  /** Starts a new answer with this request body (such as `{q}`). */
  ask(body: unknown): void;
  /** Reads a stream again from its first event (after a reload). */
  resume(streamId: string): void;
  /** Cancels the generation on the server. */
  stop(): void;
}

export function useTidewireAnswer(url: string, options: AnswerStoreOptions = {}): TidewireAnswer {
  // One store per URL for the component's life; options are read when it is made.
  // biome-ignore lint/correctness/useExhaustiveDependencies: options are taken once, like a constructor's.
  const store = useMemo(() => new AnswerStore(url, options), [url]);
  useEffect(() => () => store.close(), [store]);
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  return {
    ...snapshot,
    ask: (body) => void store.ask(body).catch(() => {}),
    resume: (streamId) => void store.resume(streamId).catch(() => {}),
    stop: () => void store.stop().catch(() => {}),
  };
}

export { type AnswerSnapshot, AnswerStore, type AnswerStoreOptions } from './answer-store.ts';
