/**
 * `AppendBatches`: the appends of one stream leave as few calls of the fencing script as can
 * be, each call storing the frames it carries for a stream as one entry. Appends queued in one
 * event-loop turn go together, and while a stream's call is on its way its next appends wait
 * and go together once it is answered (one call in flight per stream: the busier the process,
 * the bigger the calls). The batches of every stream ready in one turn go to the store
 * together, which sends them in as few calls as it can (a paced stream appends on its own
 * timer: one call per turn for them all, not one per stream per event). node-redis costs a
 * promise, a command object and a RESP encode and decode per command: per call instead of per
 * event.
 * A batch holds consecutive frames of one writer only; the script checks the fence once, before
 * storing any of them, so Redis stores a whole batch or refuses it whole. A stream's batches
 * are sent one after another, in the order they were opened. The log's last frame may carry
 * its end: its batch takes no frame after it, and ends the log in the same call.
 * @module
 */
import type { LogEnd, LogWriter } from '../store.ts';

/** The most frames one script call stores (bounds the time Redis spends in one script). */
export const MAX_BATCH_FRAMES = 512;

/**
 * The most text (UTF-16 units) a batch takes past its first frame: a batch is one entry of the
 * log, and a fence that reads the log's last entry (a writer's first call, the call that ends
 * the log, one after another writer's entry) reads it whole (`XREVRANGE … COUNT 1`, copied into
 * the script), so an entry stays small however large a stream's events are.
 */
export const MAX_BATCH_CHARS = 64 * 1024;

/** Consecutive frames of one stream, by one writer, sent in one call. */
export interface AppendBatch {
  readonly streamId: string;
  /** As given with the batch's first frame; undefined for an unfenced append. */
  readonly writer: LogWriter | undefined;
  /** The sequence number of `frames[0]`; the others follow it. */
  readonly firstSeq: number;
  readonly frames: string[];
  /** Set when the batch's last frame ends the log. */
  end?: LogEnd;
}

interface OpenBatch extends AppendBatch {
  /** The length of its frames (UTF-16 units). */
  chars: number;
  /** Settles once Redis has stored every frame, or refused the batch. */
  readonly stored: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** One stream's batches not sent yet, and whether one is on its way. */
interface StreamBatches {
  waiting: OpenBatch[];
  sending: boolean;
}

/** Sends batches of several streams (one each) at once; one promise per batch: stored, or refused. */
export type SendBatches = (batches: readonly AppendBatch[]) => Promise<void>[];

export class AppendBatches {
  readonly #send: SendBatches;
  readonly #streams = new Map<string, StreamBatches>();
  /** Streams whose next batch goes at the next flush. */
  #ready: StreamBatches[] = [];

  /** `send` stores the batches ready at once (each of its promises resolves) or refuses them (rejects). */
  constructor(send: SendBatches) {
    this.#send = send;
  }

  /**
   * Queues frame `seq` of `streamId` (with `end`: the log's last, which ends it); resolves once
   * it is stored, with the rest of its batch.
   */
  add(
    streamId: string,
    seq: number,
    frame: string,
    writer: LogWriter | undefined,
    end?: LogEnd,
  ): Promise<void> {
    let stream = this.#streams.get(streamId);
    const last = stream?.waiting.at(-1);
    if (last && joins(last, seq, frame, writer)) {
      last.frames.push(frame);
      last.chars += frame.length;
      last.end = end;
      return last.stored;
    }
    const batch = openBatch(streamId, seq, frame, writer);
    batch.end = end;
    if (!stream) {
      stream = { waiting: [], sending: false };
      this.#streams.set(streamId, stream);
    }
    stream.waiting.push(batch);
    if (!stream.sending && stream.waiting.length === 1) this.#readyToSend(stream);
    return batch.stored;
  }

  #readyToSend(stream: StreamBatches): void {
    this.#ready.push(stream);
    if (this.#ready.length === 1) setImmediate(() => this.#flush());
  }

  /** Sends each ready stream's oldest waiting batch, together; once one is answered, its stream's next is ready. */
  #flush(): void {
    const ready = this.#ready;
    this.#ready = [];
    const batches = ready.map((stream) => {
      stream.sending = true;
      return stream.waiting.shift()!;
    });
    const sent = this.#send(batches);
    for (let i = 0; i < ready.length; i++) this.#whenAnswered(ready[i]!, batches[i]!, sent[i]!);
  }

  #whenAnswered(stream: StreamBatches, batch: OpenBatch, sent: Promise<void>): void {
    const answered = () => {
      stream.sending = false;
      if (stream.waiting.length > 0) this.#readyToSend(stream);
      else this.#streams.delete(batch.streamId);
    };
    sent.then(
      () => {
        answered();
        batch.resolve();
      },
      (error) => {
        answered();
        batch.reject(error);
      },
    );
  }
}

/**
 * Whether `frame` (`seq`, by `writer`) may go with `batch`: the next frame, by the same writer,
 * before any end, within the batch's bounds.
 */
function joins(batch: OpenBatch, seq: number, frame: string, writer: LogWriter | undefined): boolean {
  if (batch.end || seq !== batch.firstSeq + batch.frames.length) return false;
  if (batch.frames.length >= MAX_BATCH_FRAMES || batch.chars + frame.length > MAX_BATCH_CHARS) return false;
  return writer === undefined ? batch.writer === undefined : batch.writer?.id === writer.id;
}

function openBatch(streamId: string, seq: number, frame: string, writer: LogWriter | undefined): OpenBatch {
  const { promise: stored, resolve, reject } = Promise.withResolvers<void>();
  return { streamId, writer, firstSeq: seq, frames: [frame], chars: frame.length, stored, resolve, reject };
}
