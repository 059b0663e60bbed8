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

/** Writes `frames` as UTF-8 into `target` from `offset`; the bytes written. */
export type FramesWriter = (frames: readonly string[], target: Uint8Array, offset: number) => number;

/** Web standards: the frames joined, then encoded at once. */
export const encodeJoined: FramesWriter = (frames, target, offset) =>
  encoder.encodeInto(frames.join(''), target.subarray(offset)).written;

type Utf8Write = (this: Uint8Array, text: string, offset: number, length: number) => number;
const utf8Write = (globalThis as { Buffer?: { prototype: { utf8Write?: Utf8Write } } }).Buffer?.prototype
  .utf8Write;

/** Node (and Bun): each frame written in place by the native encoder, with no joined copy of the log. */
export const writeEach: FramesWriter | undefined = utf8Write
  ? (frames, target, offset) => {
      let at = offset;
      for (const frame of frames) at += utf8Write.call(target, frame, at, target.length - at);
      return at - offset;
    }
  : undefined;

/** `frames` packed (see the header); `bytes` is their length in UTF-8, as the store counts it. */
export function packFrames(
  frames: readonly string[],
  bytes: number,
  write: FramesWriter = writeEach ?? encodeJoined,
): Uint8Array {
  const count = frames.length;
  const header = count * 4;
  const packed = new Uint8Array(header + bytes);
  const ends = new Uint32Array(packed.buffer, 0, count);
  let end = 0;
  for (let i = 0; i < count; i++) {
    end += frames[i]!.length;
    ends[i] = end;
  }
  const written = write(frames, packed, header);
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
