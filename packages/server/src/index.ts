/**
 * `@tidewire/server`: a resumable stream engine for any events. Declare a vocabulary, start
 * streams, answer starts and resumes with the Web handler set (or `./node` on Node); every
 * event has an id and a client that comes back gets exactly what it missed.
 * @module
 */
export { defineEvents, type EventMap, TidewireError, type Vocabulary } from '@tidewire/protocol';
export type { Coordinator, StoreLease } from './coordinator.ts';
export {
  createEngine,
  type EngineOptions,
  type OpenOptions,
  type OpenResult,
  StreamEngine,
} from './engine.ts';
export { StoreUnavailableError, WriterFencedError } from './errors.ts';
export {
  createWebHandlers,
  type HandlerOptions,
  type StartPlan,
  type StartRequest,
  type WebHandlers,
} from './handlers.ts';
export { type MemoryStoreOptions, MemoryStreamStore } from './memory-store.ts';
export type { EngineObserver } from './observer.ts';
export type { StreamReader } from './reader.ts';
export { type ResumePoint, resumePoint } from './resume-point.ts';
export type { SinkObserver, SSESink } from './sink.ts';
export type {
  Artifact,
  ArtifactStore,
  FirstFrame,
  LogEnd,
  LogReader,
  LogWriter,
  StoreAdmission,
  StoredLog,
  StreamInfo,
  StreamStore,
} from './store.ts';
export type { AbortListener, EndReason, FinishListener, Stream } from './stream.ts';
export { type SSEResponseOptions, sseResponse } from './web-response.ts';
