import { describe } from 'node:test';
import { MemoryStreamStore } from '../src/index.ts';
import { artifactStoreContract, streamStoreContract } from './store-contract.ts';

describe('MemoryStreamStore', () => {
  streamStoreContract(async () => new MemoryStreamStore());
  artifactStoreContract(async () => new MemoryStreamStore());
});
