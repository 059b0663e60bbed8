/**
 * The conversation store on a real PostgreSQL: fails (never skips) when PostgreSQL is missing.
 */
import { after, before, describe } from 'node:test';
import { startPostgres, type TestPostgres } from '../../../testing/postgres.ts';
import { connectDatabase, openDatabase } from '../src/db/database.ts';
import { conversationStoreContract } from './conversation-store-contract.ts';

let postgres: TestPostgres;
let n = 0;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres.close());

describe('ConversationStore on PostgreSQL', () =>
  conversationStoreContract(
    async () => openDatabase(await postgres.createDatabase(`tw_test_${n++}`)),
    async () => connectDatabase(await postgres.createDatabase(`tw_test_${n++}`)),
  ));
