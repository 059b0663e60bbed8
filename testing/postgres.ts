/**
 * Test support: a real PostgreSQL (Debian's) in a temp dir on a free loopback port, run as
 * the `postgres` user when the tests run as root. Each call makes a fresh database.
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

export interface TestPostgres {
  /** A new, empty database's URL. */
  createDatabase(name: string): Promise<string>;
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('PostgreSQL is not installed (Debian package postgresql)');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/** Runs a PostgreSQL program as the `postgres` user when we are root (it refuses to run as root). */
function asPostgres(program: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
}

/**
 * Signals the postmaster itself, by the PID in its data folder (runuser does not pass signals
 * on): SIGINT is a fast shutdown, SIGQUIT an immediate one.
 */
function signalPostmaster(data: string, signal: NodeJS.Signals): void {
  const pidFile = join(data, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    if (pid > 0) process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'tw-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const port = await freePort();
  const [initdb, initArgs] = asPostgres(`${bin}/initdb`, [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  execFileSync(initdb, initArgs, { stdio: 'ignore' });
  const [postgres, args] = asPostgres(`${bin}/postgres`, [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-h',
    '127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'full_page_writes=off',
  ]);
  const child: ChildProcess = spawn(postgres, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    // A start that never gets ready fails the tests instead of hanging them.
    const timer = setTimeout(() => {
      signalPostmaster(data, 'SIGQUIT');
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      reject(new Error(`postgres was not ready within ${START_TIMEOUT_MS} ms: ${log}`));
    }, START_TIMEOUT_MS);
    child.stderr!.on('data', (d) => {
      log += d;
      if (log.includes('ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited with ${code}: ${log}`));
    });
  });
  const { default: pg } = await import('pg');
  return {
    async createDatabase(name) {
      const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
      await admin.end();
      return `postgres://postgres@127.0.0.1:${port}/${encodeURIComponent(name)}`;
    },
    async close() {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        signalPostmaster(data, 'SIGINT');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
