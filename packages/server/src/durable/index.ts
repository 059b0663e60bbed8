export { DurableCoordinator, type DurableCoordinatorOptions } from './durable-coordinator.ts';
export { type DurableStoreOptions, DurableStreamStore } from './durable-store.ts';
export { LogFileLockedError } from './log-file.ts';
