/**
 * Start-up failures through `npm start`'s entry: an unreachable Redis or PostgreSQL, or a port
 * already in use, ends the process within a few seconds with one line on stderr that names
 * the setting and what to do, and a non-zero exit code. "Unreachable" is tried both ways a
 * deployment meets it: nothing listening (refused at once) and a server that accepts the
 * connection but never answers (a wrong port, a firewall that holds, a hung server).
 *
 * "Within 5 s" is measured beyond what this machine needs to run the entry at all: the time
 * it takes to refuse an invalid setting (Node, the entry's code, no waiting) is measured first
 * and added, so a busy machine does not fail the test, while a start that waits (retries,
 * long timeouts) still does.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { ROOT, startTestGateway, TEST_ENV } from '../../../testing/gateway.ts';
import { freePort } from '../../../testing/ports.ts';
import { StartupError } from '../src/startup-checks.ts';

/** The most a failed start may wait, beyond running the entry; it is killed past it (and the test fails). */
const WAIT_BOUND_MS = 5_000;
let boundMs = WAIT_BOUND_MS;

interface Ended {
  code: number | null;
  killed: boolean;
  stdout: string;
  stderr: string;
}

/** Runs the entry with `env` (info logs on, as in production) until it exits or the bound passes. */
async function startExpectingFailure(env: Record<string, string>, limitMs = boundMs): Promise<Ended> {
  const child = spawn(process.execPath, ['--conditions=tidewire-source', 'apps/gateway/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...TEST_ENV, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  let killed = false;
  const bound = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, limitMs);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(bound);
  return { code, killed, stdout, stderr };
}

function assertClearFailure(ended: Ended, setting: string): void {
  assert.equal(ended.killed, false, `still running after ${boundMs} ms; stderr: ${ended.stderr}`);
  assert.ok(ended.code !== 0 && ended.code !== null, `non-zero exit code, got ${ended.code}`);
  assert.doesNotMatch(ended.stdout, /listening on/);
  const lines = ended.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${ended.stderr}`);
  assert.match(lines[0]!, new RegExp(`^tidewire: .*${setting}`), 'the line names the setting');
  assert.doesNotMatch(lines[0]!, /^\s*at /, 'no stack trace');
}

before(async () => {
  const began = performance.now();
  const ended = await startExpectingFailure({ PORT: 'eighty' }, 60_000);
  assert.equal(ended.code, 2, 'the entry refuses an invalid setting');
  boundMs = WAIT_BOUND_MS + (performance.now() - began);
});

/** A TCP server that accepts connections and never says a word. */
async function silentServer(): Promise<{ port: number; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return { port: (server.address() as { port: number }).port, server };
}

test('REDIS_URL with nothing listening: one line naming REDIS_URL, non-zero exit', async () => {
  const port = await freePort();
  const ended = await startExpectingFailure({ REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` });
  assertClearFailure(ended, 'REDIS_URL');
  assert.match(ended.stderr, /start redis-server/, 'says what to do');
  assert.ok(!ended.stderr.includes('hunter2'), 'the password is not echoed');
});

test('REDIS_URL on a server that never answers: one line naming REDIS_URL, non-zero exit', async () => {
  const { port } = await silentServer();
  const ended = await startExpectingFailure({ REDIS_URL: `redis://127.0.0.1:${port}` });
  assertClearFailure(ended, 'REDIS_URL');
});

test('DATABASE_URL=postgres:// with nothing listening: one line naming DATABASE_URL, non-zero exit', async () => {
  const port = await freePort();
  const ended = await startExpectingFailure({
    DATABASE_URL: `postgres://tidewire:hunter2@127.0.0.1:${port}/tidewire`,
  });
  assertClearFailure(ended, 'DATABASE_URL');
  assert.match(ended.stderr, /PostgreSQL.*fix DATABASE_URL/, 'says what to do');
  assert.ok(!ended.stderr.includes('hunter2'), 'the password is not echoed');
});

test('DATABASE_URL=postgres:// on a server that never answers: one line naming DATABASE_URL', async () => {
  const { port } = await silentServer();
  const ended = await startExpectingFailure({
    DATABASE_URL: `postgres://tidewire@127.0.0.1:${port}/tidewire`,
  });
  assertClearFailure(ended, 'DATABASE_URL');
});

test('PORT already in use: one line naming PORT and the address, non-zero exit', async () => {
  const { port } = await silentServer();
  const ended = await startExpectingFailure({ PORT: String(port) });
  assertClearFailure(ended, 'PORT');
  assert.match(ended.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`), 'names the address taken');
});

test('a port taken between the check and the listen: the gateway closes what it opened and names PORT', async () => {
  const { port } = await silentServer();
  const outcome = await startTestGateway({ PORT: String(port) }).then(
    async (gateway) => {
      await gateway.shutdown();
      return new Error('listened on a taken port');
    },
    (error: Error) => error,
  );
  assert.ok(outcome instanceof StartupError, outcome.message);
  assert.match(outcome.message, new RegExp(`^PORT=${port}: 127\\.0\\.0\\.1:${port} is already in use`));
});

test('an invalid setting still ends with its own message (exit code 2)', async () => {
  const ended = await startExpectingFailure({ PORT: 'eighty' });
  assert.equal(ended.killed, false);
  assert.equal(ended.code, 2);
  assert.match(ended.stderr, /PORT/);
});
