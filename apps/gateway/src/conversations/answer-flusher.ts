/**
 * Writes the answers being recorded together, off the per-token path: one timer for all of
 * them, and on each tick one transaction holding every answer that changed since the last
 * (its text and parts, and its conversation's `updated_at`). An answer's last write (at its
 * end) is not held for the tick, but the last writes of one turn of the event loop share a
 * transaction. Between writes the stream's log holds what was sent: a crash loses nothing a
 * takeover cannot rebuild from it.
 * @module
 */
import type { Database } from '../db/database.ts';

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
  readonly #db: Database;
  readonly #flushMs: number;
  readonly #onWriteError: (error: unknown) => void;
  readonly #dirty = new Set<PendingAnswer>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #finishing: Write[] = [];
  #finished: Promise<void> | undefined;
  /** Every write, in order: a tick's write of an answer never lands after its last. */
  #writing: Promise<void> = Promise.resolve();

  constructor(db: Database, flushMs: number, onWriteError: (error: unknown) => void) {
    this.#db = db;
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
    this.#finishing.push({ answer, complete: complete ? 1 : 0 });
    this.#finished ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        const batch = this.#finishing;
        this.#finishing = [];
        this.#finished = undefined;
        this.#enqueue(batch).then(resolve);
      }),
    );
    return this.#finished;
  }

  readonly #tick = () => {
    this.#timer = undefined;
    const batch = [...this.#dirty].map((answer): Write => ({ answer, complete: 0 }));
    this.#dirty.clear();
    void this.#enqueue(batch);
  };

  #enqueue(batch: Write[]): Promise<void> {
    this.#writing = this.#writing.then(() => this.#write(batch)).catch(this.#onWriteError);
    return this.#writing;
  }

  async #write(batch: Write[]): Promise<void> {
    if (batch.length === 0) return;
    const now = Date.now();
    await this.#db.transaction().execute(async (tx) => {
      for (const { answer, complete } of batch) {
        const { content, parts } = answer.snapshot();
        await tx
          .updateTable('messages')
          .set({ content, complete, parts })
          .where('id', '=', answer.id)
          .execute();
      }
      for (const conversationId of new Set(batch.map((w) => w.answer.conversationId))) {
        await tx
          .updateTable('conversations')
          .set({ updated_at: now })
          .where('id', '=', conversationId)
          .execute();
      }
    });
  }
}
