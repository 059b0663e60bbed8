/**
 * Test support: starts a real gateway on a loopback port, in this process (`startTestGateway`)
 * or as a child process running `npm start`'s entry (`spawnGateway`), for tests of signals.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../apps/gateway/src/config.ts';
import { type Gateway, startGateway } from '../apps/gateway/src/server.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Quiet, fast defaults for tests; any contract variable can be overridden. */
export const TEST_ENV: Record<string, string> = {
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'silent',
  DEMO_TOKENS_PER_SEC: '0',
  DATABASE_URL: 'sqlite::memory:',
  RATE_LIMIT_PER_MIN: '0',
  MAX_STREAMS_PER_USER: '0',
  MAX_CONNECTIONS_PER_IP: '0',
  SHUTDOWN_GRACE_MS: '1000',
};

export async function startTestGateway(env: Record<string, string> = {}): Promise<Gateway> {
  return startGateway(loadConfig({ ...TEST_ENV, ...env }));
}

export interface SpawnedServer {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  /** Sends SIGTERM and waits for the exit code. */
  stop(): Promise<number | null>;
}
/** A spawned gateway. */
export type SpawnedGateway = SpawnedServer;

/** Starts a Node script (TypeScript sources) in a child process and waits for its `listening on` line. */
export async function spawnListening(
  script: string,
  env: Record<string, string> = {},
): Promise<SpawnedServer> {
  const child = spawn(process.execPath, ['--conditions=tidewire-source', script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      return code as number | null;
    },
  };
}

/** Starts `apps/gateway/src/main.ts` (what `npm start` runs) in a child process. */
export function spawnGateway(env: Record<string, string> = {}): Promise<SpawnedServer> {
  return spawnListening('apps/gateway/src/main.ts', { ...TEST_ENV, ...env });
}

/**
 * How many generations a gateway (auth off) started for `question`: each starts a conversation
 * titled by it. A browser's questions belong to its anonymous visitor: pass its `cookie`.
 */
export async function generationsOf(gatewayUrl: string, question: string, cookie?: string): Promise<number> {
  const headers: Record<string, string> = cookie ? { cookie } : {};
  const response = await fetch(`${gatewayUrl}/api/v1/conversations?limit=100`, { headers });
  const { data } = (await response.json()) as { data: { title: string }[] };
  return data.filter((c) => c.title === question).length;
}
