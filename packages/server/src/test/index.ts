/**
 * `@tidewire/server/test`: what a test of code built on the engine needs: the behaviour every
 * `StreamStore` owes (one `node:test` suite to run against your own store) and a sink that
 * records what a client would receive.
 * @module
 */
export { RecordingSink } from './recording-sink.ts';
export { streamStoreContract } from './store-contract.ts';
