/**
 * Writer fencing for stores that hold a log's writers in one process (memory, durable): an
 * append or end is refused when its sequence number is not the next one, or when it follows
 * another writer's entry and is not this writer's first call. So a takeover and a late old
 * owner can never interleave (the Redis store does the same in a Lua script).
 * @module
 */
import { WriterFencedError } from './errors.ts';
import type { LogWriter } from './store.ts';

/** What a fenced log remembers: the writer of its last entry. */
export interface FencedLog {
  lastWriter?: string;
}

/** Throws `WriterFencedError` unless `writer` may write to `log` now; then records it. */
export function fenceWriter(streamId: string, log: FencedLog, writer: LogWriter | undefined): void {
  if (!writer) return;
  if (!writer.first && log.lastWriter !== undefined && log.lastWriter !== writer.id)
    throw new WriterFencedError(`stream ${streamId}: another writer continues this stream`);
  log.lastWriter = writer.id;
}

/** Throws `WriterFencedError` unless `seq` follows `lastSeq`. */
export function fenceSeq(streamId: string, lastSeq: number, seq: number): void {
  if (seq !== lastSeq + 1)
    throw new WriterFencedError(`stream ${streamId}: expected seq ${lastSeq + 1}, got ${seq}`);
}
