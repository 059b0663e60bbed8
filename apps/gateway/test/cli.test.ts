/**
 * The `tidewire` command against a real gateway: `chat` piped prints the exact answer (also
 * through cut connections), in a terminal it types it out, Ctrl-C prints a resume point that
 * `--resume` continues, `--token` authenticates, `serve` starts a gateway, `--help` lists the
 * commands, and bad input fails clearly with exit code 1.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { type CuttingProxy, startCuttingProxy } from '../../../testing/cutting-proxy.ts';
import { ROOT, startTestGateway, TEST_ENV } from '../../../testing/gateway.ts';
import { answerOf, collectSSE } from '../../../testing/sse-client.ts';
import { demoAnswer } from '../src/models/demo-answer.ts';
import type { Gateway } from '../src/server.ts';

const BIN = 'apps/gateway/bin/tidewire.js';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '0' });
});
after(() => gateway.shutdown());

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Starts `tidewire ARGS` (bin run by this Node, as npm would), with piped output. */
function start(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, TIDEWIRE_URL: '', TIDEWIRE_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

async function tidewire(args: string[], env: Record<string, string> = {}) {
  const run = start(args, env);
  const code = await run.exit;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** Waits (bounded) until `read()` matches `pattern`. */
async function waitFor(read: () => string, pattern: RegExp, ms = 10_000): Promise<RegExpExecArray> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    const match = pattern.exec(read());
    if (match) return match;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no ${pattern} in: ${read()}`);
}

describe('chat', () => {
  test('piped, prints the whole answer as plain text and the stream id on stderr', async () => {
    const { code, stdout, stderr } = await tidewire(['chat', 'Hello from the CLI', '--url', gateway.url]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, `${demoAnswer('Hello from the CLI')}\n`);
    assert.match(stderr, /^stream [0-9a-f-]{36}$/m);
  });

  test('through connections cut every 800 bytes, the answer is exact', async () => {
    const slow = await startTestGateway({ DEMO_TOKENS_PER_SEC: '1000' });
    const proxy: CuttingProxy = await startCuttingProxy(slow.url);
    proxy.cutAfterBytes(800);
    try {
      const { code, stdout, stderr } = await tidewire(['chat', 'cut the CLI', '--url', proxy.url]);
      assert.equal(code, 0, stderr);
      assert.equal(stdout, `${demoAnswer('cut the CLI')}\n`);
      assert.match(stderr, /network_error: .*; retrying/);
      assert.ok(proxy.cuts > 2, `${proxy.cuts} cuts`);
    } finally {
      await proxy.close();
      await slow.shutdown();
    }
  });

  test('in a terminal, the typewriter types the whole answer', async () => {
    const paced = await startTestGateway({ DEMO_TOKENS_PER_SEC: '200' });
    try {
      // `script` gives the command a pseudo-terminal, so stdout.isTTY is true.
      const command = `${process.execPath} ${BIN} chat 'typed out' --url ${paced.url}`;
      const tty = spawn('script', ['-qec', command, '/dev/null'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let writes = 0;
      tty.stdout.on('data', (d) => {
        out += d;
        writes++;
      });
      const [code] = await once(tty, 'exit');
      assert.equal(code, 0, out);
      assert.ok(out.replaceAll('\r\n', '\n').includes(demoAnswer('typed out')), out);
      assert.ok(writes > 20, `typed in ${writes} pieces`);
    } finally {
      await paced.shutdown();
    }
  });

  test('Ctrl-C stops with a resume point; --resume prints the rest', async () => {
    const slow = await startTestGateway({ DEMO_TOKENS_PER_SEC: '100' });
    try {
      const q = 'stop and go on';
      const first = start(['chat', q, '--url', slow.url]);
      await waitFor(first.stdout, /\S{40}/);
      first.child.kill('SIGINT');
      assert.equal(await first.exit, 1);
      const [, point] = await waitFor(first.stderr, /continue with: tidewire chat --resume (\S+:\d+) --url/);
      assert.match(first.stderr(), /tidewire: stopped/);
      const rest = await tidewire(['chat', '--resume', point!, '--url', slow.url]);
      assert.equal(rest.code, 0, rest.stderr);
      assert.equal(first.stdout().replace(/\n$/, '') + rest.stdout, `${demoAnswer(q)}\n`);
    } finally {
      await slow.shutdown();
    }
  });

  test('--resume STREAM_ID:SEQ prints the rest of a finished stream', async () => {
    const { events } = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=resume+from+cli`);
    const id = events[0]!.streamId!;
    const { code, stdout } = await tidewire(['chat', '--resume', `${id}:10`, '--url', gateway.url]);
    assert.equal(code, 0);
    assert.equal(stdout, `${answerOf(events.filter((e) => e.seq! > 10))}\n`);
  });

  test('--token (or TIDEWIRE_TOKEN) authenticates; without it the 401 is reported', async () => {
    const locked = await startTestGateway({ AUTH_TOKENS: 'alice:cli-secret-token' });
    try {
      const denied = await tidewire(['chat', 'hi', '--url', locked.url]);
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /tidewire: unauthorized: /);
      const flag = await tidewire(['chat', 'hi', '--url', locked.url, '--token', 'cli-secret-token']);
      assert.equal(flag.code, 0, flag.stderr);
      assert.equal(flag.stdout, `${demoAnswer('hi')}\n`);
      const env = await tidewire(['chat', 'hi'], {
        TIDEWIRE_URL: locked.url,
        TIDEWIRE_TOKEN: 'cli-secret-token',
      });
      assert.equal(env.code, 0, env.stderr);
    } finally {
      await locked.shutdown();
    }
  });
});

describe('serve and help', () => {
  test('serve starts the gateway and stops on SIGTERM', async () => {
    const run = start(['serve'], { ...TEST_ENV, LOG_LEVEL: 'silent' });
    try {
      const [, url] = await waitFor(run.stdout, /listening on (http:\/\/\S+)/);
      const health = await fetch(`${url}/healthz`);
      assert.deepEqual(await health.json(), { status: 'ok' });
      run.child.kill('SIGTERM');
      assert.equal(await run.exit, 0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  test('--help on the program and on each command', async () => {
    const top = await tidewire(['--help']);
    assert.match(top.stdout, /chat \[options\] \[question\]/);
    assert.match(top.stdout, /serve/);
    const chat = await tidewire(['chat', '--help']);
    for (const option of [
      '--url <url>',
      '--token <token>',
      '--model <name>',
      '--resume <stream:seq>',
      '--conversation <id>',
      '--transport <kind>',
    ])
      assert.ok(chat.stdout.includes(option), option);
    const serve = await tidewire(['serve', '--help']);
    assert.match(serve.stdout, /Start the gateway/);
  });
});

describe('bad input', () => {
  const cases: [string, string[], RegExp][] = [
    ['no question', ['chat'], /give a question/],
    ['a bad resume point', ['chat', '--resume', 'nonsense'], /--resume takes STREAM_ID:SEQ/],
    ['an unknown stream', ['chat', '--resume', '01a20000-0000-7000-8000-000000000000:0'], /stream_not_found/],
    ['an unknown model', ['chat', 'hi', '--model', 'no-such-model'], /unknown_model/],
    ['a bad --max-retries', ['chat', 'hi', '--max-retries', 'many'], /--max-retries.*whole number/],
  ];
  for (const [name, args, message] of cases) {
    test(`${name} fails with a clear message and exit code 1`, async () => {
      const { code, stderr } = await tidewire([...args, '--url', gateway.url]);
      assert.equal(code, 1, stderr);
      assert.match(stderr, message);
    });
  }

  test('a bad or unreachable URL fails clearly', async () => {
    const notUrl = await tidewire(['chat', 'hi', '--url', 'not a url']);
    assert.equal(notUrl.code, 1);
    assert.match(notUrl.stderr, /--url is not a URL: "not a url"/);
    const ftp = await tidewire(['chat', 'hi', '--url', 'ftp://127.0.0.1']);
    assert.match(ftp.stderr, /--url must be an http:\/\/ or https:\/\/ URL/);
    const unreachable = await tidewire(['chat', 'hi', '--url', 'http://127.0.0.1:1', '--max-retries', '1']);
    assert.equal(unreachable.code, 1);
    assert.match(
      unreachable.stderr,
      /tidewire: reconnect_failed: gave up after 2 attempts.*cannot reach the stream/,
    );
  });
});
