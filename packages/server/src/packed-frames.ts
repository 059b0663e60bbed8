/**
 * A finished log's frames packed into one byte array: where each frame ends (UTF-16 offsets,
 * four bytes each), then all the frames as UTF-8. The memory store keeps finished logs for
 * their retention time (minutes), so V8 copies them out of the young generation and marks
 * them in the old one: as one string per frame (two bytes a character when the answer has
 * any character past Latin-1), they were most of a busy server's young-generation collection
 * work. Packed, a log is one object whose bytes live outside the JavaScript heap. A replay of a
 * finished log (rare: a client that comes back after the end) decodes it again.
 *
 * Frames are text as the wire carries it: a lone surrogate (which JSON never writes) becomes
 * U+FFFD here, as it does in the UTF-8 sent to a client, and keeps the frame's length.
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `frames` packed (see the header); `bytes` is their length in UTF-8, as the store counts it. */
export function packFrames(frames: readonly string[], bytes: number): Uint8Array {
  const count = frames.length;
  const header = count * 4;
  const packed = new Uint8Array(header + bytes);
  const ends = new Uint32Array(packed.buffer, 0, count);
  let end = 0;
  for (let i = 0; i < count; i++) {
    end += frames[i]!.length;
    ends[i] = end;
  }
  const { written } = encoder.encodeInto(frames.join(''), packed.subarray(header));
  if (written !== bytes) throw new Error(`packed ${written} bytes of frames counted as ${bytes}`);
  return packed;
}

/** How many frames `packed` holds, given their length in UTF-8. */
export function packedCount(packed: Uint8Array, bytes: number): number {
  return (packed.length - bytes) / 4;
}

/** The frames of `packed` (made by `packFrames`: its own buffer, from offset 0) from index `from` on. */
export function unpackFrames(packed: Uint8Array, bytes: number, from = 0): string[] {
  const count = packedCount(packed, bytes);
  const ends = new Uint32Array(packed.buffer, 0, count);
  const text = decoder.decode(packed.subarray(count * 4));
  const frames: string[] = [];
  for (let i = from; i < count; i++) frames.push(text.slice(i === 0 ? 0 : ends[i - 1], ends[i]));
  return frames;
}
