/**
 * Secret comparison without timing leaks: both sides are hashed to equal-length SHA-256
 * digests, then compared with `timingSafeEqual`.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}
