/**
 * `ConversationStore`: conversations and their messages. A question is stored when its
 * stream starts; the answer is written while it streams (every answer that changed, every
 * `flushMs`, a slice of answers per transaction, and at its end), marked incomplete until
 * `done`, so a crash loses nothing already sent. Messages form
 * a tree (each names the message it follows): a regenerated answer or an edited question is a
 * new branch, and what a model reads is one branch, from the root to the new message.
 * @module
 */
import { newId } from '@tidewire/server/internal';
import { sql } from 'kysely';
import type { AnswerPart } from '../answer-parts.ts';
import { AnswerSoFar, type StoredPart } from '../answer-so-far.ts';
import { type Database, sqliteOf } from '../db/database.ts';
import { GroupCommit, type StatementRunner } from '../db/group-commit.ts';
import { precompile } from '../db/precompiled.ts';
import type { Schema } from '../db/schema.ts';
import { type AnswerRecorder, NotStoredError } from '../generation.ts';
import type { ChatMessage } from '../models/provider.ts';
import { AnswerFlusher, type AnswerFlusherOptions, type PendingAnswer } from './answer-flusher.ts';
import { answerMessages, partsColumn, partsOfToolCalls, readParts } from './message-parts.ts';
import { branchTo } from './tree.ts';

export interface ConversationSummary {
  id: string;
  title: string;
  updated_at: string;
}

export interface StoredMessage {
  id: string;
  /** The message this one follows; null for a first question. */
  parent_id: string | null;
  role: 'user' | 'assistant';
  content: string;
  created_at: string;
  complete: boolean;
  /** The stream that wrote this answer (null for questions). */
  stream_id: string | null;
  /** An answer's reasoning, tool calls and results, sources, files and text, as they streamed. */
  parts?: StoredPart[];
}

export interface Conversation {
  id: string;
  title: string;
  /** The model the conversation last asked; null before any. */
  model: string | null;
  created_at: string;
  updated_at: string;
  messages: StoredMessage[];
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

function titleOf(question: string): string {
  const line = question.trim().split('\n')[0]!.replace(/\s+/g, ' ');
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}

/** A `LIKE` pattern matching `word` anywhere, its own `%`, `_` and `\` taken literally. */
function containing(word: string): string {
  return `%${word.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Where a new message goes: after `parentId` (null: a new first question), else after the newest. */
export interface Placement {
  parentId?: string | null;
}

export function encodeCursor(updatedAt: number, id: string): string {
  return Buffer.from(`${updatedAt}:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { updatedAt: number; id: string } | undefined {
  const match = /^(\d{1,16}):([A-Za-z0-9_-]{1,128})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return match ? { updatedAt: Number(match[1]), id: match[2]! } : undefined;
}

export interface ConversationStoreOptions {
  /** How often the streaming answers are written, a slice per transaction (and each once more at its end). */
  flushMs?: number;
  /** A write of a streaming answer failed (the stream goes on; the stored answer lags). */
  onWriteError?: (error: unknown) => void;
  /** Runs the flush tick after `flushMs` (default `setTimeout`; a test runs it when it likes). */
  flushAfter?: AnswerFlusherOptions['after'];
}

/** The statements every answer runs, compiled once (`precompile`). */
function hotStatements(db: Database) {
  return {
    insertConversation: precompile(
      6,
      (
        id: string,
        user_id: string | null,
        title: string,
        model: string | null,
        created_at: number,
        updated_at: number,
      ) => db.insertInto('conversations').values({ id, user_id, title, model, created_at, updated_at }),
    ),
    insertMessage: precompile(
      10,
      (
        id: string,
        conversation_id: string,
        position: number,
        parent_id: string | null,
        role: 'user' | 'assistant',
        content: string,
        complete: 0 | 1,
        created_at: number,
        stream_id: string | null,
        parts: string | null,
      ) =>
        db.insertInto('messages').values({
          id,
          conversation_id,
          position,
          parent_id,
          role,
          content,
          complete,
          created_at,
          stream_id,
          parts,
        }),
    ),
    updateAnswer: precompile(4, (content: string, complete: 0 | 1, parts: string | null, id: string) =>
      db.updateTable('messages').set({ content, complete, parts }).where('id', '=', id),
    ),
    touchConversation: precompile(2, (updated_at: number, id: string) =>
      db.updateTable('conversations').set({ updated_at }).where('id', '=', id),
    ),
    setModel: precompile(2, (model: string, id: string) =>
      db.updateTable('conversations').set({ model }).where('id', '=', id),
    ),
    /** The newest message of a conversation (`one` is 1: a limit is a value too). */
    newestMessage: precompile(2, (conversationId: string, one: number) =>
      db
        .selectFrom('messages')
        .select(['id', 'position'])
        .where('conversation_id', '=', conversationId)
        .orderBy('position', 'desc')
        .limit(one),
    ),
  };
}

export type HotStatements = ReturnType<typeof hotStatements>;

type MessageRow = ReturnType<typeof messageRows>[number];

/** Inserts message rows one statement each (the statement compiled once; rows of one transaction). */
async function insertMessages(tx: StatementRunner, statements: HotStatements, rows: MessageRow[]) {
  for (const r of rows)
    await tx.executeQuery(
      statements.insertMessage(
        r.id,
        r.conversation_id,
        r.position,
        r.parent_id,
        r.role,
        r.content,
        r.complete,
        r.created_at,
        r.stream_id,
        r.parts,
      ),
    );
}

/**
 * Reads wait for the writes asked for before them (`GroupCommit.settled`): a stream's response
 * starts while its turn's rows are still being written, and a client that then lists or opens
 * its conversations still finds them.
 */
export class ConversationStore {
  readonly #db: Database;
  readonly #statements: HotStatements;
  /** The hot path's writes (questions, answer rows, answer text): one commit per event-loop turn. */
  readonly #writes: GroupCommit<Schema>;
  readonly #flusher: AnswerFlusher;

  constructor(
    db: Database,
    { flushMs = 1000, onWriteError = () => {}, flushAfter }: ConversationStoreOptions = {},
  ) {
    this.#db = db;
    this.#statements = hotStatements(db);
    this.#writes = new GroupCommit(db, { sqlite: sqliteOf(db) });
    this.#flusher = new AnswerFlusher(this.#writes, this.#statements, {
      flushMs,
      onWriteError,
      after: flushAfter,
    });
  }

  /** The conversation if it exists and belongs to `userId`. */
  async find(userId: string | null, id: string) {
    await this.#writes.settled();
    const row = await this.#db
      .selectFrom('conversations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && row.user_id === userId ? row : undefined;
  }

  /** A message, if it exists and its conversation belongs to `userId`. */
  async findMessage(userId: string | null, id: string) {
    await this.#writes.settled();
    const row = await this.#db
      .selectFrom('messages')
      .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
      .select(['messages.id', 'messages.role', 'messages.conversation_id', 'conversations.user_id'])
      .where('messages.id', '=', id)
      .executeTakeFirst();
    return row && row.user_id === userId
      ? { id: row.id, role: row.role, conversationId: row.conversation_id }
      : undefined;
  }

  /**
   * One branch of a conversation as model messages, from its first question down to `leafId`
   * (the newest message when not given), answers that produced no text left out; and the
   * leaf's id (null when the conversation has no messages).
   */
  async branch(
    conversationId: string,
    leafId?: string,
  ): Promise<{ leafId: string | null; messages: ChatMessage[] }> {
    await this.#writes.settled();
    const rows = await this.#db
      .selectFrom('messages')
      .select(['id', 'parent_id', 'role', 'content', 'parts'])
      .where('conversation_id', '=', conversationId)
      .orderBy('position')
      .execute();
    const leaf = leafId ?? rows.at(-1)?.id ?? null;
    const path = leaf === null ? [] : branchTo(rows, leaf);
    return {
      leafId: leaf,
      // Answers that produced no text and called no tool are left out; tool calls and results are kept.
      messages: path.flatMap((r): ChatMessage[] =>
        r.role === 'user'
          ? [{ role: 'user', content: r.content }]
          : answerMessages(r.content, readParts(r.parts, r.content)),
      ),
    };
  }

  /** The newest branch of a conversation, as model messages (see `branch`). */
  async history(conversationId: string): Promise<ChatMessage[]> {
    return (await this.branch(conversationId)).messages;
  }

  /** Creates a conversation titled after its first question. */
  async create(userId: string | null, question: string, model: string | null = null): Promise<string> {
    const id = newId();
    const now = Date.now();
    await this.#db.executeQuery(
      this.#statements.insertConversation(id, userId, titleOf(question), model, now, now),
    );
    return id;
  }

  /**
   * Creates a conversation with its first messages in one transaction (positions from 0, no
   * read of the newest); returns its id, the messages' ids and the position that follows them.
   */
  async start(
    userId: string | null,
    question: string,
    model: string | null,
    messages: ChatMessage[],
  ): Promise<{ conversationId: string; ids: string[]; next: number }> {
    const conversationId = newId();
    const { kept, results } = splitMessages(messages);
    const ids = kept.map(() => newId());
    await this.#writes.run((tx) =>
      writeStart(tx, this.#statements, { conversationId, userId, question, model }, kept, ids),
    );
    if (results.length > 0) await this.#addToolResults(conversationId, results);
    return { conversationId, ids, next: kept.length };
  }

  /** Remembers the model a conversation asked last. */
  async setModel(conversationId: string, model: string): Promise<void> {
    await this.#writes.run((tx) => tx.executeQuery(this.#statements.setModel(model, conversationId)));
  }

  /**
   * Adds messages (the question, or a whole history sent by the client), each following the
   * one before it, the first after `placement.parentId` (by default the newest message);
   * returns their ids.
   * An assistant message's tool calls are kept as its parts; a tool message (a result the
   * client ran) is added to the parts of the answer that made the call.
   */
  async add(
    conversationId: string,
    messages: ChatMessage[],
    placement: Placement & { streamId?: string } = {},
  ): Promise<string[]> {
    const { kept, results } = splitMessages(messages);
    const ids = kept.map(() => newId());
    if (kept.length === 0 && results.length === 0) return ids;
    const now = Date.now();
    await this.#writes.run((tx) => writeAdd(tx, this.#statements, conversationId, kept, ids, placement, now));
    if (results.length > 0) await this.#addToolResults(conversationId, results);
    return ids;
  }

  /** Adds client-run tool results to the parts of the latest answer that called those tools. */
  async #addToolResults(conversationId: string, results: ChatMessage[]): Promise<void> {
    const rows = await this.#db
      .selectFrom('messages')
      .select(['id', 'content', 'parts'])
      .where('conversation_id', '=', conversationId)
      .where('parts', 'is not', null)
      .orderBy('position', 'desc')
      .execute();
    for (const row of rows) {
      const parts = readParts(row.parts, row.content) ?? [];
      const calls = new Map(parts.flatMap((p) => (p.type === 'tool_call' ? [[p.id, p.name] as const] : [])));
      const mine = results.filter((r) => calls.has(r.tool_call_id ?? ''));
      if (mine.length === 0) continue;
      for (const r of mine) {
        const id = r.tool_call_id!;
        parts.push({ type: 'tool_result', id, name: calls.get(id)!, output: r.content, is_error: false });
      }
      await this.#db
        .updateTable('messages')
        .set({ parts: partsColumn(parts) })
        .where('id', '=', row.id)
        .execute();
      return;
    }
  }

  /**
   * Starts an empty, incomplete answer (placed like `add`) and returns the recorder that fills
   * it in. With `position` (the caller created the conversation and knows what follows its
   * messages, e.g. from `start`), the row is inserted directly, without reading the newest.
   */
  async recordAnswer(
    conversationId: string,
    streamId: string,
    placement: Placement & { position?: number } = {},
  ): Promise<AnswerRecorder> {
    const { position, ...place } = placement;
    const answer: ChatMessage[] = [{ role: 'assistant', content: '' }];
    let id: string;
    if (position === undefined) {
      [id] = (await this.add(conversationId, answer, { ...place, streamId })) as [string];
    } else {
      id = newId();
      const row = messageRows(
        conversationId,
        answer as Kept[],
        [id],
        position,
        place.parentId ?? null,
        streamId,
      );
      await this.#writes.run((tx) => insertMessages(tx, this.#statements, row));
    }
    return new BatchedAnswer(this.#flusher, id, conversationId, Promise.resolve());
  }

  /**
   * A chat turn's rows in one transaction, written while the answer may already stream: a new
   * conversation (`create`) or the model it now uses (`model`); the messages (the question;
   * none for a regenerate), placed like `add` after `parentId`; and the answer's empty,
   * incomplete row after them. The write is queued once `after` settles (what is more urgent
   * goes first: the model's request); `stored` settles once it is committed, with the client's
   * tool results added. The answer's recorder is given at once: its writes queue behind the
   * row's, and its end waits for `stored` (a `NotStoredError` when the rows could not be stored).
   */
  beginTurn(
    turn: TurnRows,
    after: Promise<unknown> = Promise.resolve(),
  ): { recorder: AnswerRecorder; stored: Promise<void> } {
    const { conversationId } = turn;
    const { kept, results } = splitMessages(turn.messages);
    const ids = kept.map(() => newId());
    const answerId = newId();
    const stored = after
      .then(() => this.#writes.run((tx) => writeTurn(tx, this.#statements, turn, kept, ids, answerId)))
      .then(() => (results.length > 0 ? this.#addToolResults(conversationId, results) : undefined));
    return { recorder: new BatchedAnswer(this.#flusher, answerId, conversationId, stored), stored };
  }

  /** The recorder of an answer another instance started (a takeover), or undefined. */
  async continueAnswer(streamId: string, soFar: AnswerSoFar): Promise<AnswerRecorder | undefined> {
    await this.#writes.settled();
    const row = await this.#db
      .selectFrom('messages')
      .select(['id', 'conversation_id'])
      .where('stream_id', '=', streamId)
      .executeTakeFirst();
    if (!row) return undefined;
    return new BatchedAnswer(this.#flusher, row.id, row.conversation_id, Promise.resolve(), soFar);
  }

  /**
   * A user's conversations, newest first; with `words`, only those where each word appears
   * (case-insensitively) in the title or in a message.
   */
  async list(
    userId: string | null,
    limit: number,
    cursor?: { updatedAt: number; id: string },
    words: string[] = [],
  ): Promise<Page<ConversationSummary>> {
    await this.#writes.settled();
    let query = this.#db.selectFrom('conversations').select(['id', 'title', 'updated_at']);
    query = userId === null ? query.where('user_id', 'is', null) : query.where('user_id', '=', userId);
    for (const word of words) {
      const pattern = containing(word);
      query = query.where((eb) =>
        eb.or([
          sql<boolean>`lower(conversations.title) like ${pattern} escape '\\'`,
          eb.exists(
            eb
              .selectFrom('messages')
              .select('messages.id')
              .whereRef('messages.conversation_id', '=', 'conversations.id')
              .where(sql<boolean>`lower(messages.content) like ${pattern} escape '\\'`),
          ),
        ]),
      );
    }
    if (cursor) {
      query = query.where((eb) =>
        eb.or([
          eb('updated_at', '<', cursor.updatedAt),
          eb.and([eb('updated_at', '=', cursor.updatedAt), eb('id', '<', cursor.id)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map((r) => ({ id: r.id, title: r.title, updated_at: iso(r.updated_at) })),
      next_cursor: rows.length > limit && last ? encodeCursor(last.updated_at, last.id) : null,
    };
  }

  /** One conversation with its messages, oldest first. */
  async get(userId: string | null, id: string): Promise<Conversation | undefined> {
    await this.#writes.settled();
    const conversation = await this.find(userId, id);
    if (!conversation) return undefined;
    const messages = await this.#db
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', id)
      .orderBy('position')
      .execute();
    return {
      id: conversation.id,
      title: conversation.title,
      model: conversation.model,
      created_at: iso(conversation.created_at),
      updated_at: iso(conversation.updated_at),
      messages: messages.map((m) => ({
        id: m.id,
        parent_id: m.parent_id,
        role: m.role,
        content: m.content,
        created_at: iso(m.created_at),
        complete: m.complete === 1,
        stream_id: m.stream_id,
        ...(m.parts === null ? {} : { parts: readParts(m.parts, m.content) }),
      })),
    };
  }

  /** Renames a conversation of `userId`; its summary, or undefined when it is not theirs. */
  async rename(userId: string | null, id: string, title: string): Promise<ConversationSummary | undefined> {
    await this.#writes.settled();
    const conversation = await this.find(userId, id);
    if (!conversation) return undefined;
    await this.#db.updateTable('conversations').set({ title }).where('id', '=', id).execute();
    return { id, title, updated_at: iso(conversation.updated_at) };
  }

  /** The streams of a conversation's answers that are not complete (some may still run). */
  async unfinishedStreams(conversationId: string): Promise<string[]> {
    await this.#writes.settled();
    const rows = await this.#db
      .selectFrom('messages')
      .select('stream_id')
      .where('conversation_id', '=', conversationId)
      .where('complete', '=', 0)
      .where('stream_id', 'is not', null)
      .execute();
    return rows.map((r) => r.stream_id!);
  }

  /** Deletes a conversation of `userId` with its messages; false when it is not theirs. */
  async remove(userId: string | null, id: string): Promise<boolean> {
    await this.#writes.settled();
    if (!(await this.find(userId, id))) return false;
    await this.#db.transaction().execute(async (tx) => {
      await tx.deleteFrom('messages').where('conversation_id', '=', id).execute();
      await tx.deleteFrom('conversations').where('id', '=', id).execute();
    });
    return true;
  }

  /** Gives every conversation of `fromUser` to `toUser` (an anonymous visitor signing in). */
  async transfer(fromUser: string, toUser: string): Promise<number> {
    await this.#writes.settled();
    const result = await this.#db
      .updateTable('conversations')
      .set({ user_id: toUser })
      .where('user_id', '=', fromUser)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }
}

type Kept = ChatMessage & { role: 'user' | 'assistant' };

/** What `beginTurn` writes. */
export interface TurnRows {
  conversationId: string;
  /** The stream that writes the answer. */
  streamId: string;
  /** The new messages (the question; none for a regenerate). */
  messages: ChatMessage[];
  /** A new conversation: its owner, its first question (the title) and model. */
  create?: { userId: string | null; question: string; model: string };
  /** An existing conversation now asking this model. */
  model?: string;
  /** The message the new ones follow (null: a new first question); for an existing conversation. */
  parentId?: string | null;
}

type Tx = StatementRunner;

/** A new conversation with its first messages, from position 0 (`start`). */
async function writeStart(
  tx: Tx,
  s: HotStatements,
  c: { conversationId: string; userId: string | null; question: string; model: string | null },
  kept: Kept[],
  ids: string[],
): Promise<void> {
  const now = Date.now();
  const title = titleOf(c.question);
  await tx.executeQuery(s.insertConversation(c.conversationId, c.userId, title, c.model, now, now));
  await insertMessages(tx, s, messageRows(c.conversationId, kept, ids, 0, null, null, now));
}

/** Messages after `placement.parentId` (by default the newest), at the next positions (`add`). */
async function writeAdd(
  tx: Tx,
  s: HotStatements,
  conversationId: string,
  kept: Kept[],
  ids: string[],
  placement: Placement & { streamId?: string },
  now: number,
): Promise<void> {
  // Touching the conversation first takes its row lock (PostgreSQL), so concurrent adds
  // to one conversation queue here and each reads the positions the others committed.
  await tx.executeQuery(s.touchConversation(now, conversationId));
  const { rows } = await tx.executeQuery(s.newestMessage(conversationId, 1));
  const newest = rows[0] as { id: string; position: number } | undefined;
  if (kept.length === 0) return;
  const first = newest ? newest.position + 1 : 0;
  const parentId = placement.parentId === undefined ? (newest?.id ?? null) : placement.parentId;
  const streamId = placement.streamId ?? null;
  await insertMessages(tx, s, messageRows(conversationId, kept, ids, first, parentId, streamId, now));
}

/** `beginTurn`'s rows: the question after its parent (or a new conversation), the answer after it. */
async function writeTurn(
  tx: Tx,
  s: HotStatements,
  turn: TurnRows,
  kept: Kept[],
  ids: string[],
  answerId: string,
) {
  const answer: Kept[] = [{ role: 'assistant', content: '' }];
  const { conversationId, create, streamId } = turn;
  if (create) {
    // Nobody else knows the conversation yet: the answer follows its messages without a read.
    await writeStart(tx, s, { conversationId, ...create }, kept, ids);
    const row = messageRows(conversationId, answer, [answerId], kept.length, ids.at(-1) ?? null, streamId);
    await insertMessages(tx, s, row);
    return;
  }
  if (turn.model !== undefined) await tx.executeQuery(s.setModel(turn.model, conversationId));
  const now = Date.now();
  await writeAdd(tx, s, conversationId, kept, ids, { parentId: turn.parentId }, now);
  const answerAt = { parentId: ids.at(-1) ?? turn.parentId, streamId };
  await writeAdd(tx, s, conversationId, answer, [answerId], answerAt, now);
}

/** The messages stored as rows (questions and answers) and the tool results added to answers' parts. */
function splitMessages(messages: ChatMessage[]): { kept: Kept[]; results: ChatMessage[] } {
  return {
    kept: messages.filter((m): m is Kept => m.role === 'user' || m.role === 'assistant'),
    results: messages.filter((m) => m.role === 'tool'),
  };
}

/** Rows of `kept`, each following the one before it, the first at `first` after `parentId`. */
function messageRows(
  conversationId: string,
  kept: Kept[],
  ids: string[],
  first: number,
  parentId: string | null,
  streamId: string | null,
  now = Date.now(),
) {
  return kept.map((m, i) => ({
    id: ids[i]!,
    conversation_id: conversationId,
    position: first + i,
    parent_id: i === 0 ? parentId : ids[i - 1]!,
    role: m.role,
    content: m.content,
    complete: (streamId ? 0 : 1) as 0 | 1,
    created_at: now,
    stream_id: streamId,
    parts: m.role === 'assistant' ? partsColumn(partsOfToolCalls(m)) : null,
  }));
}

/** A streaming answer: its parts so far, written by the shared flusher on its tick and at the end. */
class BatchedAnswer implements AnswerRecorder, PendingAnswer {
  readonly #flusher: AnswerFlusher;
  readonly id: string;
  readonly conversationId: string;
  readonly #answer: AnswerSoFar;
  /** The row's write: the last write waits for it (a row never stored is never reported complete). */
  readonly #row: Promise<unknown>;

  constructor(
    flusher: AnswerFlusher,
    id: string,
    conversationId: string,
    row: Promise<unknown>,
    soFar = new AnswerSoFar(),
  ) {
    this.#flusher = flusher;
    this.id = id;
    this.conversationId = conversationId;
    this.#row = row;
    this.#answer = soFar;
  }

  text(text: string): void {
    this.part({ type: 'text', text });
  }

  part(part: AnswerPart): void {
    this.#answer.add(part);
    this.#flusher.changed(this);
  }

  end(complete: boolean): Promise<void> {
    return this.#row.then(
      () => this.#flusher.finish(this, complete),
      () => {
        throw new NotStoredError();
      },
    );
  }

  snapshot(): { content: string; parts: string | null } {
    return { content: this.#answer.text, parts: this.#answer.rich ? partsColumn(this.#answer.parts) : null };
  }
}
