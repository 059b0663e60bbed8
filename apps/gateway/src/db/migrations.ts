/**
 * Versioned migrations, written once for SQLite and PostgreSQL. Add new ones at the end with
 * the next number; never edit one that has shipped.
 * @module
 */
import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';

export const migrations: Record<string, Migration> = {
  '0001_conversations': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('conversations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text')
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('conversations_by_user_updated')
        .on('conversations')
        .columns(['user_id', 'updated_at', 'id'])
        .execute();
      await db.schema
        .createTable('messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('conversation_id', 'text', (c) =>
          c.notNull().references('conversations.id').onDelete('cascade'),
        )
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('complete', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('stream_id', 'text')
        .execute();
      await db.schema
        .createIndex('messages_by_conversation')
        .on('messages')
        .columns(['conversation_id', 'position'])
        .unique()
        .execute();
    },
  },
  '0002_users_sessions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0003_message_tree': {
    // Messages become a tree (regenerated answers and edited questions are branches): each
    // names the message it follows; the messages stored before follow one another in order.
    // A conversation remembers its model; answers are found by their stream (delete, takeover).
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('messages').addColumn('parent_id', 'text').execute();
      await db.schema.alterTable('conversations').addColumn('model', 'text').execute();
      await sql`update messages set parent_id = (
          select p.id from messages p
          where p.conversation_id = messages.conversation_id and p.position < messages.position
          order by p.position desc limit 1)`.execute(db);
      await db.schema.createIndex('messages_by_stream').on('messages').column('stream_id').execute();
    },
  },
  '0004_answer_parts': {
    // An answer's reasoning, tool calls and results, sources and files, in streaming order
    // (JSON text; null for a text-only answer).
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('messages').addColumn('parts', 'text').execute();
    },
  },
};
