/**
 * `AppendBatches`: the appends of one stream queued in one event-loop turn leave as ONE call of
 * the fencing script, which stores each frame as its own `0-SEQ` entry. A model's tokens come
 * in bursts (a chunk of tokens, a coalesced word and the next), and node-redis costs a promise,
 * a command object and a RESP encode and decode per command: per batch instead of per event.
 * A batch holds consecutive frames of one writer only; the script checks the fence once, before
 * storing any of them, so Redis stores a whole batch or refuses it whole. Batches are sent in
 * the order they were opened, on one connection, so Redis runs them in that order.
 * @module
 */
import type { LogWriter } from '../store.ts';

/** The most frames one script call stores (bounds the time Redis spends in one script). */
export const MAX_BATCH_FRAMES = 512;

/** Consecutive frames of one stream, by one writer, sent in one call. */
export interface AppendBatch {
  readonly streamId: string;
  /** As given with the batch's first frame; undefined for an unfenced append. */
  readonly writer: LogWriter | undefined;
  /** The sequence number of `frames[0]`; the others follow it. */
  readonly firstSeq: number;
  readonly frames: string[];
}

interface OpenBatch extends AppendBatch {
  /** Settles once Redis has stored every frame, or refused the batch. */
  readonly stored: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class AppendBatches {
  readonly #send: (batch: AppendBatch) => Promise<void>;
  /** Batches not sent yet, in the order they were opened. */
  #queue: OpenBatch[] = [];
  /** The batch of each stream that the next append may join. */
  readonly #open = new Map<string, OpenBatch>();

  /** `send` stores one batch (resolves) or refuses it (rejects). */
  constructor(send: (batch: AppendBatch) => Promise<void>) {
    this.#send = send;
  }

  /** Queues frame `seq` of `streamId`; resolves once it is stored, with the rest of its batch. */
  add(streamId: string, seq: number, frame: string, writer: LogWriter | undefined): Promise<void> {
    const open = this.#open.get(streamId);
    if (open && joins(open, seq, writer)) {
      open.frames.push(frame);
      return open.stored;
    }
    const batch = openBatch(streamId, seq, frame, writer);
    this.#open.set(streamId, batch);
    this.#queue.push(batch);
    if (this.#queue.length === 1) setImmediate(() => this.#flush());
    return batch.stored;
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    this.#open.clear();
    for (const batch of queue) this.#send(batch).then(batch.resolve, batch.reject);
  }
}

/** Whether frame `seq` by `writer` may go with `batch`: the next frame, by the same writer. */
function joins(batch: OpenBatch, seq: number, writer: LogWriter | undefined): boolean {
  if (batch.frames.length >= MAX_BATCH_FRAMES || seq !== batch.firstSeq + batch.frames.length) return false;
  return writer === undefined ? batch.writer === undefined : batch.writer?.id === writer.id;
}

function openBatch(streamId: string, seq: number, frame: string, writer: LogWriter | undefined): OpenBatch {
  const { promise: stored, resolve, reject } = Promise.withResolvers<void>();
  return { streamId, writer, firstSeq: seq, frames: [frame], stored, resolve, reject };
}
