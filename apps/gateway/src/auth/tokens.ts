/**
 * Bearer tokens from `AUTH_TOKENS`: comma-separated `NAME:TOKEN` (or a bare token, named
 * `token1`, `token2`, … by position). Only SHA-256 digests are kept; lookups compare digests
 * in constant time.
 * @module
 */
import { timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../config.ts';
import { sha256 } from './secrets.ts';

export class BearerTokens {
  readonly #entries: { digest: Buffer; user: string }[] = [];

  constructor(spec: string | undefined) {
    const parts = (spec ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    parts.forEach((part, i) => {
      const colon = part.indexOf(':');
      const [user, token] =
        colon > 0 ? [part.slice(0, colon), part.slice(colon + 1)] : [`token${i + 1}`, part];
      if (token.length < 8)
        throw new ConfigError(`AUTH_TOKENS: the token of "${user}" is shorter than 8 characters`);
      if (this.userFor(token) !== undefined)
        throw new ConfigError(`AUTH_TOKENS: the token of "${user}" is given twice`);
      this.#entries.push({ digest: sha256(token), user });
    });
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The user a token belongs to, or undefined. */
  userFor(token: string): string | undefined {
    const digest = sha256(token);
    let found: string | undefined;
    for (const entry of this.#entries) if (timingSafeEqual(entry.digest, digest)) found ??= entry.user;
    return found;
  }
}
