/**
 * The `tidewire` command against a real gateway: `chat` piped prints the exact answer,
 * `--resume` continues a stream, `--help` lists the commands, bad input fails clearly.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { ROOT, startTestGateway } from '../../../testing/gateway.ts';
import { collectSSE } from '../../../testing/sse-client.ts';
import { demoAnswer } from '../src/models/demo-answer.ts';
import type { Gateway } from '../src/server.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '0' });
});
after(() => gateway.shutdown());

function tidewire(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['apps/gateway/bin/tidewire.js', ...args], {
      cwd: ROOT,
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
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('chat, piped, prints the whole answer as plain text and the stream id on stderr', async () => {
  const { code, stdout, stderr } = await tidewire(['chat', 'Hello from the CLI', '--url', gateway.url]);
  assert.equal(code, 0, stderr);
  assert.equal(stdout, `${demoAnswer('Hello from the CLI')}\n`);
  assert.match(stderr, /^stream [0-9a-f-]{36}$/m);
});

test('chat --resume STREAM_ID:SEQ prints the rest of a stream', async () => {
  const { events } = await collectSSE(`${gateway.url}/api/v1/stream/chat?q=resume+from+cli`);
  const id = events[0]!.streamId!;
  const { code, stdout } = await tidewire(['chat', '--resume', `${id}:0`, '--url', gateway.url]);
  assert.equal(code, 0);
  assert.equal(stdout, `${demoAnswer('resume from cli')}\n`);
});

test('--help on the program and on each command', async () => {
  const top = await tidewire(['--help']);
  assert.match(top.stdout, /chat \[options\] \[question\]/);
  assert.match(top.stdout, /serve/);
  const chat = await tidewire(['chat', '--help']);
  assert.match(chat.stdout, /--resume <stream:seq>/);
  assert.match(chat.stdout, /--token <token>/);
  const serve = await tidewire(['serve', '--help']);
  assert.match(serve.stdout, /Start the gateway/);
});

test('bad input fails with a clear message and exit code 1', async () => {
  const noQuestion = await tidewire(['chat', '--url', gateway.url]);
  assert.equal(noQuestion.code, 1);
  assert.match(noQuestion.stderr, /give a question/);
  const badResume = await tidewire(['chat', '--resume', 'nonsense', '--url', gateway.url]);
  assert.equal(badResume.code, 1);
  assert.match(badResume.stderr, /--resume takes STREAM_ID:SEQ/);
  const badUrl = await tidewire(['chat', 'hi', '--url', 'not a url']);
  assert.equal(badUrl.code, 1);
  assert.match(badUrl.stderr, /--url is not a URL/);
  const unknownStream = await tidewire([
    'chat',
    '--resume',
    '01a20000-0000-7000-8000-000000000000:0',
    '--url',
    gateway.url,
  ]);
  assert.equal(unknownStream.code, 1);
  assert.match(unknownStream.stderr, /stream_not_found/);
  const unreachable = await tidewire(['chat', 'hi', '--url', 'http://127.0.0.1:1', '--max-retries', '1']);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /reconnect_failed|network_error/);
});
