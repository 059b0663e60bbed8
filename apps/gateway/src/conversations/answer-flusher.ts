/**
 * Writes the answers being recorded together, off the per-token path: one timer for all of
 * them, and on each tick every answer that changed since the last (its text and parts),
 * `SLICE` answers per write, each slice in a later turn of the event loop than the one before
 * (after it landed). One write for all of them was 1,000 UPDATEs in one synchronous run at
 * 1,000 streams (13-44 ms once a second), holding every stream's tokens and coalesced deltas
 * behind it; a slice is 2-3 ms. An answer due on a tick is written once by it, with its text
 * as it stands when its slice runs. An answer's last write (at its end) also moves its
 * conversation's `updated_at` (the question moved it when the answer began, so a list sorted
 * by it is right between), and is not held for the tick: an answer that ends before its slice
 * leaves the tick, and its last write is asked for only once the slice in flight has landed,
 * so a tick's write of an answer never lands after its last (on PostgreSQL too, where writes
 * run in parallel). Between writes the stream's log holds what was sent: a crash loses
 * nothing a takeover cannot rebuild from it.
 * @module
 */
import type { GroupCommit, StatementRunner } from '../db/group-commit.ts';
import type { Schema } from '../db/schema.ts';
import { nextTurn } from '../next-turn.ts';
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

/** Answers a tick writes in one transaction; the next slice waits for a later turn of the loop. */
export const SLICE = 64;

export interface AnswerFlusherOptions {
  /** How long a changed answer waits for its write (at most; the tick writes all changed since the last). */
  flushMs: number;
  /** A write that failed (the answer's text is still in its stream's log). */
  onWriteError: (error: unknown) => void;
  /** Runs `tick` after `ms` (default `setTimeout`); the tick's promise settles once it wrote every answer due. */
  after?: (ms: number, tick: () => Promise<void>) => void;
}

export class AnswerFlusher {
  readonly #writes: GroupCommit<Schema>;
  readonly #statements: HotStatements;
  readonly #flushMs: number;
  readonly #onWriteError: (error: unknown) => void;
  readonly #after: (ms: number, tick: () => Promise<void>) => void;
  /** Changed since the last tick. */
  readonly #dirty = new Set<PendingAnswer>();
  /** Taken by a tick, not yet in a slice: each is written with its text as it stands then. */
  readonly #due = new Set<PendingAnswer>();
  #armed = false;
  /** The slices being written; settles once `#due` is empty. */
  #slicing: Promise<void> | undefined;
  /** The slice in flight: an answer's last write is asked for after it has landed. */
  #inFlight: Promise<void> = Promise.resolve();

  constructor(writes: GroupCommit<Schema>, statements: HotStatements, options: AnswerFlusherOptions) {
    this.#writes = writes;
    this.#statements = statements;
    this.#flushMs = options.flushMs;
    this.#onWriteError = options.onWriteError;
    this.#after = options.after ?? ((ms, tick) => setTimeout(tick, ms));
  }

  /** `answer` changed: it is written on the next tick. */
  changed(answer: PendingAnswer): void {
    if (this.#due.has(answer)) return; // its slice takes the text as it stands when it runs
    this.#dirty.add(answer);
    if (this.#armed) return;
    this.#armed = true;
    this.#after(this.#flushMs, this.#tick);
  }

  /** The answer's last write (`complete` once it ended well); resolves once it is stored. */
  finish(answer: PendingAnswer, complete: boolean): Promise<void> {
    this.#dirty.delete(answer);
    this.#due.delete(answer);
    // On SQLite the group commit keeps writes in order anyway; on PostgreSQL each is its own
    // transaction, in parallel, and the slice in flight may hold an older snapshot of it.
    return this.#inFlight.then(() => this.#write([{ answer, complete: complete ? 1 : 0 }]));
  }

  readonly #tick = (): Promise<void> => {
    this.#armed = false;
    for (const answer of this.#dirty) this.#due.add(answer);
    this.#dirty.clear();
    this.#slicing ??= this.#writeDue().finally(() => {
      this.#slicing = undefined;
    });
    return this.#slicing;
  };

  /** Writes the due answers a slice at a time, each slice after the last committed, in a later turn. */
  async #writeDue(): Promise<void> {
    while (this.#due.size > 0) {
      const slice: Write[] = [];
      for (const answer of this.#due) {
        if (slice.length === SLICE) break;
        this.#due.delete(answer);
        slice.push({ answer, complete: 0 });
      }
      this.#inFlight = this.#write(slice, false);
      await this.#inFlight;
      if (this.#due.size > 0) await nextTurn();
    }
  }

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
