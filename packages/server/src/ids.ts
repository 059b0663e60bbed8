/**
 * Stream ids: UUIDv7, so they sort by creation time and carry 74 random bits (unguessable).
 * Falls back to `crypto.getRandomValues` where `randomUUIDv7` is missing (edge runtimes).
 * @module
 */

type CryptoWithV7 = Crypto & { randomUUIDv7?: () => string };

export function newId(now = Date.now()): string {
  const native = (globalThis.crypto as CryptoWithV7).randomUUIDv7;
  if (native) return native.call(globalThis.crypto);
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  for (let i = 0; i < 6; i++) bytes[i] = Math.floor(now / 2 ** (8 * (5 - i))) & 0xff;
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
