import { describe } from 'node:test';
import { MemoryStreamStore } from '../src/index.ts';
import { streamStoreContract } from './store-contract.ts';

describe('MemoryStreamStore', () => streamStoreContract(async () => new MemoryStreamStore()));
