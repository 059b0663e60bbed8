/**
 * Writes the answers being recorded together, off the per-token path: one timer for all of
 * them, and on each tick one write holding every answer that changed since the last (its text
 * and parts). An answer's last write (at its end) also moves its conversation's `updated_at`
 * (the question moved it when the answer began, so a list sorted by it is right between), and is not
 * held for the tick, but asked for only once the tick's write in flight has landed, so a tick's
 * write of an answer never lands after its last (on PostgreSQL too, where writes run in
 * parallel). Between writes the stream's log holds what was sent: a crash loses nothing a
 * takeover cannot rebuild from it.
 * @module
 */
import type { GroupCommit, StatementRunner } from '../db/group-commit.ts';
import type { Schema } from '../db/schema.ts';
import type { HotStatements } from './store.ts';

/** An answer being recorded, as the flusher writes it. */
export interface PendingAnswer {
  readonly id: string;
  readonly conversationId: string;
  /** The answer's text and its parts as the JSON column holds them, as they stand now. */
  snapshot(): { content: string; parts: string | null };
}

interface Write {
  answer: PendingAnswer;
  complete: 0 | 1;
}

export class AnswerFlusher {
  readonly #writes: GroupCommit<Schema>;
  readonly #statements: HotStatements;
  readonly #flushMs: number;
  readonly #onWriteError: (error: unknown) => void;
  readonly #dirty = new Set<PendingAnswer>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  /**
   * The last tick's write: an answer's last write is asked for after it has landed. On SQLite the
   * group commit keeps writes in order anyway; on PostgreSQL each is its own transaction, in
   * parallel, and a tick's older snapshot could otherwise land after the last write.
   */
  #ticking: Promise<void> = Promise.resolve();

  constructor(
    writes: GroupCommit<Schema>,
    statements: HotStatements,
    flushMs: number,
    onWriteError: (error: unknown) => void,
  ) {
    this.#writes = writes;
    this.#statements = statements;
    this.#flushMs = flushMs;
    this.#onWriteError = onWriteError;
  }

  /** `answer` changed: it is written on the next tick. */
  changed(answer: PendingAnswer): void {
    this.#dirty.add(answer);
    this.#timer ??= setTimeout(this.#tick, this.#flushMs);
  }

  /** The answer's last write (`complete` once it ended well); resolves once it is stored. */
  finish(answer: PendingAnswer, complete: boolean): Promise<void> {
    this.#dirty.delete(answer);
    return this.#ticking.then(() => this.#write([{ answer, complete: complete ? 1 : 0 }]));
  }

  readonly #tick = () => {
    this.#timer = undefined;
    const batch = [...this.#dirty].map((answer): Write => ({ answer, complete: 0 }));
    this.#dirty.clear();
    this.#ticking = this.#write(batch, false);
  };

  #write(batch: Write[], last = true): Promise<void> {
    if (batch.length === 0) return Promise.resolve();
    // The snapshot is taken when the write runs, so it holds the answer as it stands then.
    return this.#writes.run((tx) => this.#writeAnswers(tx, batch, last)).catch(this.#onWriteError);
  }

  async #writeAnswers(tx: StatementRunner, batch: Write[], last: boolean): Promise<void> {
    const { updateAnswer, touchConversation } = this.#statements;
    for (const { answer, complete } of batch) {
      const { content, parts } = answer.snapshot();
      await tx.executeQuery(updateAnswer(content, complete, parts, answer.id));
    }
    if (!last) return;
    const now = Date.now();
    for (const conversationId of new Set(batch.map((w) => w.answer.conversationId)))
      await tx.executeQuery(touchConversation(now, conversationId));
  }
}
