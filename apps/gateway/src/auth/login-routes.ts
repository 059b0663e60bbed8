/**
 * The login page and its endpoints: `GET /login` (a small form), `POST /login` (form or
 * JSON `{name, password}`; sets the HttpOnly, SameSite=Lax session cookie, Secure over TLS;
 * attempts limited per name and IP and per IP, see `SignInThrottle`), `POST /logout`. Signing in
 * from a browser that chatted anonymously (auth was off then) hands its conversations to the user.
 * @module
 */
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ConversationStore } from '../conversations/store.ts';
import { ApiError, badRequest, clientWentAway } from '../errors.ts';
import { clientIp } from '../limits/client-key.ts';
import type { AppEnv } from '../services.ts';
import { anonymousUser, forgetAnonymousUser } from './anonymous.ts';
import { type Auth, SESSION_COOKIE } from './auth.ts';
import { SignInThrottle } from './sign-in-throttle.ts';
import { SESSION_DAYS } from './users.ts';

function loginPage(error?: string): string {
  const message = error ? `<p class="error" role="alert">${error}</p>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>Sign in · tidewire</title>
<style>body{font:16px/1.5 system-ui,sans-serif;display:grid;place-items:center;min-height:100vh;margin:0}
form{display:grid;gap:10px;width:min(320px,90vw)}input,button{font:inherit;padding:10px;border-radius:8px;border:1px solid #8885}
button{background:#0b6bcb;color:#fff;border:0}.error{color:#b42318}</style></head>
<body><form method="post" action="/login"><h1>tidewire</h1>${message}
<label>Name <input name="name" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form></body></html>`;
}

/** The sign-in body, a form or JSON; one that cannot be read (cut short, malformed) is 400. */
async function bodyOf(c: Context<AppEnv>, form: boolean): Promise<Record<string, unknown>> {
  try {
    const body: unknown = form ? await c.req.parseBody() : await c.req.json();
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  } catch (error) {
    if (clientWentAway(error, c.req.raw)) throw error; // not a bad body: nobody is left to tell
    throw form
      ? badRequest('bad_request', 'the sign-in form could not be read: send name and password')
      : badRequest('invalid_json', 'the request body is not valid JSON: send {"name": …, "password": …}');
  }
}

async function credentials(c: Context<AppEnv>): Promise<{ name: string; password: string; form: boolean }> {
  const form = !c.req.header('content-type')?.includes('application/json');
  const body = await bodyOf(c, form);
  const name = typeof body.name === 'string' ? body.name : '';
  const password = typeof body.password === 'string' ? body.password : '';
  return { name, password, form };
}

export function loginRoutes(
  app: Hono<AppEnv>,
  auth: Auth,
  conversations: Pick<ConversationStore, 'transfer'>,
): void {
  const throttle = new SignInThrottle();
  app.get('/login', (c) =>
    c.html(loginPage(), 200, {
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    }),
  );

  app.post('/login', async (c) => {
    if (c.req.header('origin') && !auth.sameOrigin(c))
      throw new ApiError(403, 'forbidden', 'sign in from this site');
    const { name, password, form } = await credentials(c);
    const ip = clientIp(c, auth.trustProxy);
    await throttle.admit(name, ip);
    if (!name || !password || !(await auth.users.check(name, password))) {
      if (form) return c.html(loginPage('Wrong name or password.'), 401);
      throw new ApiError(401, 'unauthorized', 'wrong name or password');
    }
    await throttle.succeeded(name, ip);
    setCookie(c, SESSION_COOKIE, await auth.users.startSession(name), {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
      secure: auth.protocol(c) === 'https',
      maxAge: SESSION_DAYS * 86_400,
    });
    const anonymous = anonymousUser(c);
    if (anonymous) {
      await conversations.transfer(anonymous, name);
      forgetAnonymousUser(c);
    }
    return form ? c.redirect('/', 303) : c.json({ user: name });
  });

  app.post('/logout', async (c) => {
    if (c.req.header('origin') && !auth.sameOrigin(c))
      throw new ApiError(403, 'forbidden', 'sign out from this site');
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await auth.users.endSession(token);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.req.header('content-type')?.includes('application/json')
      ? c.json({ ok: true })
      : c.redirect('/login', 303);
  });
}
