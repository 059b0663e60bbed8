/**
 * Stream ids: UUIDv7, so they sort by creation time and carry 74 random bits (unguessable).
 * Random bytes come from one `crypto.getRandomValues` call per 256 ids (Web standard, so it
 * runs on edge runtimes): `randomUUIDv7` made one synchronous random-bytes job per id, a
 * measured 5% of the gateway's CPU per answer.
 * @module
 */

const IDS_PER_REFILL = 256;
/** Random bytes per id: 10 (12 bits of `rand_a`, 62 of `rand_b`, plus version/variant bits). */
const RANDOM_BYTES = 10;
const pool = new Uint8Array(IDS_PER_REFILL * RANDOM_BYTES);
let offset = pool.length;

const HEX_CODES = Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));
const DASH = '-'.charCodeAt(0);

/**
 * The id's 36 characters, written in place and read out as one flat string: a template of
 * pieces would be a rope of a dozen strings, which every stream holds for its life.
 */
const chars = new Uint8Array(36);
chars[8] = chars[13] = chars[18] = chars[23] = DASH;

/** Writes `byte` as two hex digits at `at`. */
function putByte(at: number, byte: number): void {
  chars[at] = HEX_CODES[byte >> 4]!;
  chars[at + 1] = HEX_CODES[byte & 0x0f]!;
}

export function newId(now = Date.now()): string {
  if (offset === pool.length) {
    crypto.getRandomValues(pool);
    offset = 0;
  }
  const r = offset;
  offset += RANDOM_BYTES;
  // 48-bit big-endian millisecond timestamp: 12 hex digits (8, a dash, 4).
  const ms = now.toString(16).padStart(12, '0').slice(-12);
  for (let i = 0; i < 12; i++) chars[i < 8 ? i : i + 1] = ms.charCodeAt(i);
  chars[14] = HEX_CODES[7]!; // version 7, then 12 bits of rand_a
  chars[15] = HEX_CODES[pool[r]! & 0x0f]!;
  putByte(16, pool[r + 1]!);
  putByte(19, (pool[r + 2]! & 0x3f) | 0x80); // variant 10, then rand_b
  putByte(21, pool[r + 3]!);
  for (let i = 0; i < 6; i++) putByte(24 + 2 * i, pool[r + 4 + i]!);
  // `apply` with the array itself: a spread (`...chars`) iterates it, 6x slower per id.
  return String.fromCharCode.apply(null, chars as unknown as number[]);
}
