export { keys } from './keys.ts';
export { type RedisStoreOptions, RedisStreamStore } from './redis-store.ts';
