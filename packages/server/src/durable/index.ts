export { type DurableStoreOptions, DurableStreamStore } from './durable-store.ts';
export { LogFileLockedError } from './log-file.ts';
