import { describe } from 'node:test';
import { openDatabase } from '../src/db/database.ts';
import { conversationStoreContract } from './conversation-store-contract.ts';

describe('ConversationStore on SQLite (node:sqlite)', () =>
  conversationStoreContract(() => openDatabase('sqlite::memory:')));
