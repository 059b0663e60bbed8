export { keys } from './keys.ts';
export { RedisCoordinator, type RedisCoordinatorOptions } from './redis-coordinator.ts';
export { type RedisStoreOptions, RedisStreamStore } from './redis-store.ts';
