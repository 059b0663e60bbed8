/**
 * `Auth`: who may call. Auth is on when `AUTH_TOKENS` has tokens or users exist; then every
 * `/api/` and `/admin/` call and the chat page need a bearer token or a session cookie
 * (`/healthz`, the login page and assets stay open). Cookie-authenticated POSTs must come
 * from the same origin (CSRF), and no cookie-authenticated API call may come from another
 * site at all (a cross-site link to `GET /api/v1/stream/chat?q=` would otherwise start a
 * generation on the user's account). hono's `csrf()` is not used: it checks only form
 * content types and answers in plain text, not the contract's error shape.
 * With auth off (development) everything is open: a browser of the chat page is its own
 * anonymous user (anonymous.ts), any other caller the shared null user.
 * @module
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { ApiError } from '../errors.ts';
import type { AppEnv } from '../services.ts';
import { anonymousUser, newAnonymousUser, setAnonymousCookie } from './anonymous.ts';
import type { BearerTokens } from './tokens.ts';
import type { UserStore } from './users.ts';

export const SESSION_COOKIE = 'tw_session';
const USER_COUNT_TTL_MS = 10_000;
const OPEN_PATHS = new Set(['/healthz', '/login', '/logout', '/metrics']);
const PAGES = new Set(['/', '/admin/dashboard']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class Auth {
  readonly tokens: BearerTokens;
  readonly users: UserStore;
  readonly trustProxy: boolean;
  #userCount = 0;
  #countedAt = Number.NEGATIVE_INFINITY;

  constructor(tokens: BearerTokens, users: UserStore, trustProxy: boolean) {
    this.tokens = tokens;
    this.users = users;
    this.trustProxy = trustProxy;
  }

  /** Whether auth is on (re-counting users now and then, so a first user turns it on). */
  async enabled(): Promise<boolean> {
    if (this.tokens.size > 0) return true;
    if (Date.now() - this.#countedAt > USER_COUNT_TTL_MS) {
      this.#userCount = await this.users.count();
      this.#countedAt = Date.now();
    }
    return this.#userCount > 0;
  }

  /** The scheme the client used (`X-Forwarded-Proto` from a trusted proxy, else the URL's). */
  protocol(c: Context): string {
    const forwarded = this.trustProxy ? c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() : undefined;
    return forwarded ?? new URL(c.req.url).protocol.replace(':', '');
  }

  /** True when the browser says the request comes from another site (`Sec-Fetch-Site`). */
  fromOtherSite(c: Context): boolean {
    const site = c.req.header('sec-fetch-site');
    return site === 'cross-site' || site === 'same-site';
  }

  /** True when a request comes from a page of this same origin. */
  sameOrigin(c: Context): boolean {
    if (c.req.header('sec-fetch-site') === 'same-origin') return true;
    const origin = c.req.header('origin');
    const host =
      c.req.header('x-forwarded-host') && this.trustProxy
        ? c.req.header('x-forwarded-host')
        : c.req.header('host');
    return origin !== undefined && origin === `${this.protocol(c)}://${host}`;
  }
}

async function identify(
  auth: Auth,
  c: Context<AppEnv>,
): Promise<{ user?: string; viaCookie: boolean; badToken: boolean }> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
  if (bearer) {
    const user = auth.tokens.userFor(bearer) ?? (await auth.users.sessionUser(bearer));
    return { user, viaCookie: false, badToken: user === undefined };
  }
  const session = getCookie(c, SESSION_COOKIE);
  const user = session ? await auth.users.sessionUser(session) : undefined;
  return { user, viaCookie: user !== undefined, badToken: false };
}

/** A cookie-authenticated request that another site could have made the browser send. */
function forged(auth: Auth, c: Context<AppEnv>, path: string): boolean {
  if (!SAFE_METHODS.has(c.req.method)) return !auth.sameOrigin(c);
  // Pages may be linked from anywhere; API calls come from this site's own page.
  return !PAGES.has(path) && auth.fromOtherSite(c);
}

/**
 * Auth off: the visitor's anonymous user from its cookie (not on a request another site made
 * the browser send to the API); the chat page gives a browser without one a new identity.
 */
async function anonymous(auth: Auth, c: Context<AppEnv>, next: () => Promise<void>): Promise<void> {
  const page = PAGES.has(c.req.path);
  const user = page || !auth.fromOtherSite(c) ? anonymousUser(c) : undefined;
  if (user || !(page && c.req.method === 'GET')) {
    if (user) c.set('user', user);
    return next();
  }
  const issued = newAnonymousUser();
  c.set('user', issued.user);
  await next();
  // After the page is made: it is a ready Response, which headers set before would miss.
  setAnonymousCookie(c, issued.id, auth.protocol(c) === 'https');
}

export function authenticate(auth: Auth): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('user', null);
    if (!(await auth.enabled())) return anonymous(auth, c, next);
    const path = c.req.path;
    const { user, viaCookie, badToken } = await identify(auth, c);
    if (user) c.set('user', user);
    if (OPEN_PATHS.has(path) || path.startsWith('/assets/')) return next();
    if (!user) {
      if (PAGES.has(path) && !badToken) return c.redirect('/login', 302);
      throw new ApiError(
        401,
        'unauthorized',
        badToken ? 'the bearer token is not valid' : 'sign in, or send Authorization: Bearer <token>',
      );
    }
    if (viaCookie && forged(auth, c, path)) {
      throw new ApiError(
        403,
        'forbidden',
        'a cookie-authenticated request must come from this site (CSRF protection)',
      );
    }
    return next();
  };
}
