import { describe } from 'node:test';
import { MemoryStreamStore } from '../src/index.ts';
import { artifactStoreContract, streamStoreContract } from '../src/test/store-contract.ts';

describe('MemoryStreamStore', () => {
  streamStoreContract(async () => new MemoryStreamStore());
  artifactStoreContract(async () => new MemoryStreamStore());
});
