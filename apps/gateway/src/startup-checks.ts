/**
 * Start-up checks of what the gateway depends on outside itself: Redis, PostgreSQL, the
 * listening address. Each is tried once, with a short bound, so a deployment that points at
 * nothing (or at a server that never answers) stops within seconds with one line naming the
 * setting and what to do, instead of retrying silently or ending in a stack trace.
 * The running gateway keeps its own, patient, clients; these are only for the start.
 * @module
 */

import type { Config } from './config.ts';

/** How long a start-up check waits for a server to answer. */
export const STARTUP_CHECK_MS = 1_500;

export type StartupErrorType =
  | 'redis_unreachable'
  | 'database_unreachable'
  | 'address_unavailable'
  | 'stream_log_unavailable';

/** The gateway cannot start because of its surroundings (a setting is valid, its target is not). */
export class StartupError extends Error {
  override name = 'StartupError';
  readonly type: StartupErrorType;

  constructor(type: StartupErrorType, message: string) {
    super(message);
    this.type = type;
  }
}

/** The URL with its password hidden, for a message. */
function shown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.split('@').at(-1) ?? url;
  }
}

function reasonOf(error: unknown): string {
  const { message, code } = error as { message?: string; code?: string };
  const first = (message ?? String(error)).split('\n')[0]!.trim();
  if (first) return first;
  return code ?? 'unknown error';
}

/** Resolves with `task`, or rejects with `timeoutMessage` after `ms` (then calls `abandon`). */
async function within<T>(ms: number, task: Promise<T>, abandon: () => void): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abandon();
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([task, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Connects to `REDIS_URL` once (no retries) and sends PING. */
export async function checkRedis(url: string, ms = STARTUP_CHECK_MS): Promise<void> {
  const { createClient } = await import('@redis/client');
  const client = createClient({
    url,
    RESP: 2,
    disableOfflineQueue: true,
    socket: { connectTimeout: ms, reconnectStrategy: false },
  });
  client.on('error', () => {}); // the failure is reported by connect/ping below
  try {
    await within(
      ms,
      client.connect().then(() => client.ping()),
      () => client.destroy(),
    );
  } catch (error) {
    throw new StartupError(
      'redis_unreachable',
      `REDIS_URL=${shown(url)}: cannot reach Redis (${reasonOf(error)}): start redis-server there, or fix or unset REDIS_URL`,
    );
  } finally {
    if (client.isOpen) client.destroy();
  }
}

/** Connects to a `postgres://` `DATABASE_URL` once and runs `SELECT 1`. */
export async function checkPostgres(url: string, ms = STARTUP_CHECK_MS): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: ms, query_timeout: ms });
  client.on('error', () => {}); // the failure is reported by connect/query below
  try {
    await within(
      ms,
      client.connect().then(() => client.query('SELECT 1')),
      () => void client.end().catch(() => {}),
    );
  } catch (error) {
    throw new StartupError(
      'database_unreachable',
      `DATABASE_URL=${shown(url)}: cannot use PostgreSQL (${reasonOf(error)}): start it, create the database and user, or fix DATABASE_URL`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** Checks the Redis and PostgreSQL the configuration names (the Redis client alone would retry forever). */
export async function checkDependencies(config: Pick<Config, 'REDIS_URL' | 'DATABASE_URL'>): Promise<void> {
  if (/^postgres(ql)?:\/\//.test(config.DATABASE_URL)) await checkPostgres(config.DATABASE_URL);
  if (config.REDIS_URL) await checkRedis(config.REDIS_URL);
}

/**
 * Listens on `HOST`:`PORT` for a moment, so a taken or forbidden address is told before the
 * gateway loads (the gateway's own `listen` still reports a port taken in between).
 */
export async function checkAddress(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) => reject(listenError(error, host, port)));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Turns a failed `listen` into a `StartupError` naming `PORT`/`HOST`; other errors pass through. */
export function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new StartupError(
        'address_unavailable',
        `PORT=${port}: ${address} is already in use: stop the other server there, or choose another PORT`,
      );
    case 'EACCES':
      return new StartupError(
        'address_unavailable',
        `PORT=${port}: not allowed to listen on ${address}: choose a PORT above 1023, or grant the privilege`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new StartupError(
        'address_unavailable',
        `HOST=${host}: not an address of this machine: use 127.0.0.1, 0.0.0.0 or one of its addresses`,
      );
    default:
      return error;
  }
}
