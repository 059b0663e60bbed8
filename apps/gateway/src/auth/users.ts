/**
 * Users of the chat page (`tidewire user add NAME`): passwords hashed with Argon2id
 * (@node-rs/argon2, off the main thread), and login sessions: a random token in an HttpOnly
 * cookie, of which only the SHA-256 digest is stored, with an expiry.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Database } from '../db/database.ts';
import { sha256 } from './secrets.ts';

export const SESSION_DAYS = 7;
const USER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export class UserStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Adds a user, or replaces the password of an existing one (ending the user's sessions). */
  async add(name: string, password: string): Promise<void> {
    if (!USER_NAME.test(name)) throw new Error('a user name is 1 to 64 of A-Z a-z 0-9 . _ -');
    if (password.length < 8) throw new Error('a password has at least 8 characters');
    const passwordHash = await hash(password);
    await this.#db
      .insertInto('users')
      .values({ name, password_hash: passwordHash, created_at: Date.now() })
      .onConflict((oc) => oc.column('name').doUpdateSet({ password_hash: passwordHash }))
      .execute();
    await this.#db.deleteFrom('sessions').where('user_name', '=', name).execute();
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** True when `password` is the user's. Unknown users cost a hash too (no timing hint). */
  async check(name: string, password: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('users')
      .select('password_hash')
      .where('name', '=', name)
      .executeTakeFirst();
    if (!row) {
      await hash(password);
      return false;
    }
    return verify(row.password_hash, password);
  }

  async startSession(name: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    // Sessions are only started at sign-in, a fine moment to drop the expired ones.
    await this.#db.deleteFrom('sessions').where('expires_at', '<=', Date.now()).execute();
    await this.#db
      .insertInto('sessions')
      .values({
        token_hash: sha256(token).toString('hex'),
        user_name: name,
        expires_at: Date.now() + SESSION_DAYS * 86_400_000,
      })
      .execute();
    return token;
  }

  async sessionUser(token: string): Promise<string | undefined> {
    const row = await this.#db
      .selectFrom('sessions')
      .select(['user_name', 'expires_at'])
      .where('token_hash', '=', sha256(token).toString('hex'))
      .executeTakeFirst();
    return row && row.expires_at > Date.now() ? row.user_name : undefined;
  }

  async endSession(token: string): Promise<void> {
    await this.#db.deleteFrom('sessions').where('token_hash', '=', sha256(token).toString('hex')).execute();
  }
}
