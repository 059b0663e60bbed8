/**
 * `WriteBatch`: the frames and ends queued during one tick, written to disk together by one
 * transaction. `written` settles when they are on disk (or could not be written).
 * @module
 */

export interface QueuedFrame<S> {
  stream: S;
  seq: number;
  frame: string;
}

export interface QueuedEnd<S> {
  stream: S;
  /** When the ended stream may be deleted (ms since epoch). */
  expiresAt: number;
}

export class WriteBatch<S> {
  readonly frames: QueuedFrame<S>[] = [];
  readonly ends: QueuedEnd<S>[] = [];
  readonly written: Promise<void>;
  resolve!: () => void;
  reject!: (error: Error) => void;

  constructor() {
    this.written = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Appenders may ignore the promise (a failure also reaches them through the next append);
    // the rejection must not crash the process as unhandled.
    this.written.catch(() => {});
  }

  /** The queued frames grouped by stream, in order, with each group's last sequence number. */
  byStream(): Map<S, { frames: string[]; lastSeq: number }> {
    const groups = new Map<S, { frames: string[]; lastSeq: number }>();
    for (const { stream, seq, frame } of this.frames) {
      const group = groups.get(stream);
      if (group) {
        group.frames.push(frame);
        group.lastSeq = seq;
      } else groups.set(stream, { frames: [frame], lastSeq: seq });
    }
    return groups;
  }

  /** Every stream with something in this batch. */
  streams(): Set<S> {
    return new Set([...this.frames.map((f) => f.stream), ...this.ends.map((e) => e.stream)]);
  }
}
