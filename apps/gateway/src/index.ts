/**
 * `@tidewire/gateway` as a library: start the gateway inside your own Node process, with a
 * configuration read from environment variables as `tidewire serve` reads it.
 * @module
 */
export { type Config, ConfigError, loadConfig } from './config.ts';
export { type Gateway, startGateway } from './server.ts';
