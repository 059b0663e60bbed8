/**
 * The database's tables as Kysely types. Timestamps are epoch milliseconds (bigint in
 * PostgreSQL, read back as numbers; INTEGER in SQLite) and booleans are 0/1, so both
 * databases read the same.
 * @module
 */
export interface ConversationsTable {
  id: string;
  user_id: string | null;
  title: string;
  /** The model the conversation last asked (a start without `model` uses it again). */
  model: string | null;
  created_at: number;
  updated_at: number;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  /** Order within the conversation (of creation: branches interleave). */
  position: number;
  /** The message this one follows (null for a first question): messages form a tree. */
  parent_id: string | null;
  role: 'user' | 'assistant';
  content: string;
  complete: number;
  created_at: number;
  stream_id: string | null;
  /** JSON of the answer's parts (`StoredPart[]`) when it has more than text. */
  parts: string | null;
}

export interface UsersTable {
  name: string;
  password_hash: string;
  created_at: number;
}

export interface SessionsTable {
  token_hash: string;
  user_name: string;
  expires_at: number;
}

export interface Schema {
  conversations: ConversationsTable;
  messages: MessagesTable;
  users: UsersTable;
  sessions: SessionsTable;
}
