/**
 * `tidewire user add NAME`: the password read without echo in a terminal (a real pseudo
 * terminal through util-linux `script`) or from a pipe, stored as an Argon2id hash that signs
 * in; bad names and short passwords refused with a clear message.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ROOT } from '../../../testing/gateway.ts';
import { UserStore } from '../src/auth/users.ts';
import { openDatabase } from '../src/db/database.ts';

const dir = mkdtempSync(join(tmpdir(), 'tw-user-add-'));
const DATABASE_URL = `sqlite:${join(dir, 'users.db')}`;
after(() => rmSync(dir, { recursive: true, force: true }));

async function passwordWorks(name: string, password: string): Promise<boolean> {
  const db = await openDatabase(DATABASE_URL);
  try {
    return await new UserStore(db).check(name, password);
  } finally {
    await db.destroy();
  }
}

/** Runs `tidewire user add …` with `input` piped to it; its exit code and stderr. */
async function userAdd(args: string[], input: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['apps/gateway/bin/tidewire.js', 'user', 'add', ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdin.end(input);
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stderr };
}

/** Runs `tidewire user add NAME` in a pseudo terminal, types `keys` after the prompt. */
async function userAddInTerminal(
  name: string,
  keys: string,
): Promise<{ code: number | null; output: string }> {
  // The Node running this test (not whichever `node` is first on PATH: the machine's may be older).
  const command = `'${process.execPath}' apps/gateway/bin/tidewire.js user add ${name}`;
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const prompted = new Promise<void>((resolve) => {
    child.stdout.on('data', (d) => {
      output += d;
      if (output.includes('Password:')) resolve();
    });
  });
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill(), 20_000);
  await prompted;
  child.stdin.write(keys);
  const [code] = await exited;
  clearTimeout(timer);
  return { code: code as number | null, output };
}

test('in a terminal the password is typed without echo', async () => {
  const { code, output } = await userAddInTerminal('tess', 'typed-SECRET-pw\r');
  assert.equal(code, 0, output);
  assert.match(output, /user tess saved/);
  assert.ok(!output.includes('typed-SECRET-pw'), `the password was echoed: ${JSON.stringify(output)}`);
  assert.ok(await passwordWorks('tess', 'typed-SECRET-pw'));
});

test('Ctrl-C at the password prompt cancels: exit code 1, no user', async () => {
  const { code, output } = await userAddInTerminal('quitter', 'half\x03');
  assert.equal(code, 1, output);
  assert.match(output, /cancelled/);
  assert.ok(!(await passwordWorks('quitter', 'half')));
});

test('--password-stdin reads a piped password; adding again sets a new one', async () => {
  assert.equal((await userAdd(['pipa', '--password-stdin'], 'first password\n')).code, 0);
  assert.ok(await passwordWorks('pipa', 'first password'));
  assert.equal((await userAdd(['pipa', '--password-stdin'], 'second password\n')).code, 0);
  assert.ok(!(await passwordWorks('pipa', 'first password')));
  assert.ok(await passwordWorks('pipa', 'second password'));
});

test('a bad name or a short password is refused with a message and exit code 1', async () => {
  const short = await userAdd(['shorty', '--password-stdin'], 'abc\n');
  assert.equal(short.code, 1);
  assert.match(short.stderr, /at least 8 characters/);
  const badName = await userAdd(['no spaces!', '--password-stdin'], 'long enough password\n');
  assert.equal(badName.code, 1);
  assert.match(badName.stderr, /a user name is 1 to 64 of/);
  assert.ok(!(await passwordWorks('shorty', 'abc')));
});
