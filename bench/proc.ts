/**
 * Reads a process's CPU time and resident memory from /proc (Linux), and runs the load
 * client as a child process.
 * @module
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TICKS_PER_SECOND = 100;

/** User + system CPU seconds used so far by `pid`. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Resident set size of `pid`, in bytes. */
export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

/** Bytes `pid` has caused to be written to storage so far (`write_bytes` of /proc/PID/io). */
export function diskWriteBytes(pid: number): number {
  return Number(/write_bytes: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))![1]);
}

const LOAD_CLIENT = fileURLToPath(new URL('./load-client.ts', import.meta.url));
/** The same modes over the WebSocket route. */
export const WS_LOAD_CLIENT = fileURLToPath(new URL('./ws-load-client.ts', import.meta.url));

/** Runs the load client (SSE, or `client`) to completion and returns its JSON result. */
export function runLoadClient<T>(args: (string | number)[], client = LOAD_CLIENT): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=tidewire-source', client, ...args.map(String)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)!))
        : reject(new Error(`load client exited ${code}`)),
    );
  });
}

/** How long opening idle streams may take before the phase is given up (a server that stalls). */
const IDLE_OPEN_TIMEOUT_MS = 180_000;

/**
 * Starts the load client in idle mode; resolves once its streams are open; `release()` closes
 * them. Rejects (and stops the client) when they are not all open within `IDLE_OPEN_TIMEOUT_MS`.
 */
export function holdIdleStreams(
  url: string,
  count: number,
  client = LOAD_CLIENT,
  /** Streams being opened at once at most (default: all of them at once). */
  window?: number,
): Promise<HeldStreams> {
  return holdLoad(client, ['idle', url, String(count), '3', ...(window ? [String(window)] : [])], count);
}

/**
 * Starts `count` streams at `startUrl` (one instance) and follows each from `otherBase`
 * (another instance on the same Redis), held like `holdIdleStreams`.
 */
export function holdFollowedStreams(
  startUrl: string,
  count: number,
  otherBase: string,
): Promise<HeldStreams> {
  return holdLoad(LOAD_CLIENT, ['follow', startUrl, String(count), otherBase], count);
}

/** Streams a load client holds open: `release()` ends them; `retried`: requests answered 408 and sent again. */
export interface HeldStreams {
  release: () => Promise<void>;
  retried: number;
}

/** Runs a load client whose mode holds streams: resolves at its first line (ready), `release()` ends it. */
function holdLoad(client: string, args: string[], count: number): Promise<HeldStreams> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=tidewire-source', client, ...args], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${count} streams not open within ${IDLE_OPEN_TIMEOUT_MS / 1000} s`));
    }, IDLE_OPEN_TIMEOUT_MS);
    child.stdout.once('data', (line: Buffer) => {
      clearTimeout(timer);
      const { retried = 0 } = JSON.parse(String(line).split('\n')[0]!) as { retried?: number };
      resolve({
        retried,
        release: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.stdin.end();
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${args[0]} client exited ${code}`));
    });
  });
}
