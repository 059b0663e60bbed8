import { describe } from 'node:test';
import { connectDatabase, openDatabase } from '../src/db/database.ts';
import { conversationStoreContract } from './conversation-store-contract.ts';

describe('ConversationStore on SQLite (node:sqlite)', () =>
  conversationStoreContract(
    () => openDatabase('sqlite::memory:'),
    () => connectDatabase('sqlite::memory:'),
  ));
