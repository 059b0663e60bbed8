/**
 * Test support: bytes cut into chunks at arbitrary offsets (from a property test's numbers),
 * inside multi-byte characters and CRLF pairs too, as a network may deliver them.
 * @module
 */

/** Cuts `bytes` at each of `cuts` (taken modulo its length + 1); empty chunks may result. */
export function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    parts.push(bytes.subarray(from, p));
    from = p;
  }
  return parts;
}
