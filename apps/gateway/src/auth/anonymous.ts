/**
 * Anonymous visitors, when auth is off: the chat page gives each browser a random id in an
 * HttpOnly cookie, and that browser's conversations and streams belong to `anon:ID`, so no
 * visitor sees another's history. The id is a 128-bit secret: one made up finds nothing.
 * A request with no cookie (curl, an API client) stays the shared null user, as before. A
 * request another site made the browser send does not get the visitor's identity.
 * Signing in (login-routes.ts) hands the visitor's conversations to their user.
 * @module
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../services.ts';

export const ANON_COOKIE = 'tw_anon';
const ANON_PREFIX = 'anon:';
const ANON_ID = /^[A-Za-z0-9_-]{22,64}$/;
const ONE_YEAR_S = 365 * 86_400;

/** The visitor's anonymous user (`anon:ID`) from the cookie, if it has a well-formed one. */
export function anonymousUser(c: Context<AppEnv>): string | undefined {
  const id = getCookie(c, ANON_COOKIE);
  return id !== undefined && ANON_ID.test(id) ? `${ANON_PREFIX}${id}` : undefined;
}

export function isAnonymous(user: string | null): boolean {
  return user?.startsWith(ANON_PREFIX) ?? false;
}

/** A new anonymous identity: its id (for the cookie) and its user. */
export function newAnonymousUser(): { id: string; user: string } {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const id = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  return { id, user: `${ANON_PREFIX}${id}` };
}

/** Gives this browser the anonymous identity `id`, for a year. */
export function setAnonymousCookie(c: Context<AppEnv>, id: string, secure: boolean): void {
  setCookie(c, ANON_COOKIE, id, { httpOnly: true, sameSite: 'Lax', path: '/', secure, maxAge: ONE_YEAR_S });
}

export function forgetAnonymousUser(c: Context<AppEnv>): void {
  deleteCookie(c, ANON_COOKIE, { path: '/' });
}
