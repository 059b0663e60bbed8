export { keys } from './keys.ts';
export { RedisCoordinator, type RedisCoordinatorOptions } from './redis-coordinator.ts';
export {
  type RedisAdmission,
  type RedisClient,
  type RedisStoreOptions,
  RedisStreamStore,
} from './redis-store.ts';
export { createAdmitted, loadScripts, runScript, type Script, script } from './scripts.ts';
