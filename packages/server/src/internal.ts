/**
 * `@tidewire/server/internal`: the engine's parts, for the gateway and for tests. No
 * stability promise: use the main entry in apps.
 * @module
 */
export { type CoalescerOptions, DeltaCoalescer } from './coalescer.ts';
export { DEFAULT_LIMITS } from './engine.ts';
export { errorResponse, openOrThrow, runPlan } from './handlers.ts';
export { sseHeaders } from './headers.ts';
export { Heartbeat } from './heartbeat.ts';
export { newId } from './ids.ts';
export { type ReaderContext, StreamReader } from './reader.ts';
export { resumePointOf } from './resume-point.ts';
export { RETRY_MS, Stream, type StreamContext, type StreamLimits } from './stream.ts';
export { utf8Length } from './utf8.ts';
export { DEFAULT_MAX_UNSENT_BYTES } from './web-response.ts';
