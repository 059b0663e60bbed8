/**
 * How a Redis log's frames are laid out in its entries. The frames one script call stores for a
 * stream are one entry whose id is the sequence number of its last frame (`0-SEQ`): one frame
 * as `f` FRAME `w` WRITER, several as `p` FRAMES `l` LENGTHS `w` WRITER (the frames joined, and
 * their lengths in UTF-16 code units, comma-separated); the end is `end` 1 `w` WRITER. An entry
 * costs Redis far more than its bytes: an answer of 81 events stored as 81 entries took Redis
 * about five times the time it takes as one (and twice the memory), and a burst of answers
 * arrives in a few calls per answer. The id being the last frame's sequence number keeps the
 * log's tail (`XREVRANGE … COUNT 1`, where a fencing script reads it) and a read from a point
 * (`XRANGE (0-SEQ`, which returns the entry holding the frame after SEQ) one call each.
 * Lengths count UTF-16 units, as JavaScript strings do on both sides: a lone surrogate becomes
 * U+FFFD in UTF-8, one unit either way.
 * @module
 */

/** One frame of a log, or its end. */
export interface LogEntry {
  seq: number;
  frame: string;
  end: boolean;
}

/** A raw entry of an `XRANGE` reply: its id and its fields, names and values alternating. */
export type RawEntry = [id: string, fields: string[]];

/** The script arguments that store `frames` as one entry: their number, lengths and text. */
export function entryArgs(frames: readonly string[]): [count: string, lengths: string, text: string] {
  if (frames.length === 1) return ['1', '', frames[0]!];
  let lengths = String(frames[0]!.length);
  for (let i = 1; i < frames.length; i++) lengths += `,${frames[i]!.length}`;
  return [String(frames.length), lengths, frames.join('')];
}

function seqOf(entryId: string): number {
  return Number(entryId.slice(entryId.indexOf('-') + 1));
}

/** The sequence number of an entry's last frame (of the end itself, for the end), and whether it is the end. */
export function lastOf([id, fields]: RawEntry): { seq: number; end: boolean } {
  return { seq: seqOf(id), end: fields[0] === 'end' };
}

/** The frames (and the end) of raw entries, one `LogEntry` each, those after `afterSeq` only. */
export function entriesAfter(raw: readonly RawEntry[], afterSeq: number): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const [id, fields] of raw) {
    const seq = seqOf(id);
    if (seq <= afterSeq) continue;
    const kind = fields[0];
    if (kind === 'p') unpack(fields[1]!, fields[3]!, seq, afterSeq, entries);
    else entries.push({ seq, frame: kind === 'f' ? fields[1]! : '', end: kind === 'end' });
  }
  return entries;
}

/** Adds the frames of a packed entry whose last frame is `lastSeq`, those after `afterSeq`. */
function unpack(text: string, lengths: string, lastSeq: number, afterSeq: number, entries: LogEntry[]): void {
  const sizes = lengths.split(',');
  let seq = lastSeq - sizes.length;
  let at = 0;
  for (const size of sizes) {
    const end = at + Number(size);
    if (++seq > afterSeq) entries.push({ seq, frame: text.slice(at, end), end: false });
    at = end;
  }
  if (at !== text.length) throw new Error(`log entry 0-${lastSeq}: frames of ${at} units in ${text.length}`);
}
