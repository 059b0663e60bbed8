/**
 * `tidewire doctor` against real nginx configured badly in each way it can see: response
 * buffering, compression of the event stream, a stripped Last-Event-ID, an idle timeout
 * shorter than the heartbeat; a second instance
 * that cannot resume another's stream; the project's own configuration (healthy, exit 0,
 * with the HTTP/1.1 warning on plain HTTP); an unreachable URL (exit 2).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { ROOT, startTestGateway } from '../../../testing/gateway.ts';
import { startNginx } from '../../../testing/nginx.ts';
import { doctorExitCode, runDoctor } from '../src/cli/doctor.ts';
import type { Gateway } from '../src/server.ts';

let gateway: Gateway;
before(async () => {
  gateway = await startTestGateway({ DEMO_TOKENS_PER_SEC: '120', SSE_HEARTBEAT_MS: '1500' });
});
after(() => gateway.shutdown());

const problems = (report: Awaited<ReturnType<typeof runDoctor>>) =>
  report.findings.filter((f) => f.severity === 'problem').map((f) => f.check);

async function throughNginx(edits: [string, string][]) {
  const nginx = await startNginx(gateway.url, { sseEdits: edits });
  try {
    return await runDoctor(nginx.http);
  } finally {
    await nginx.close();
  }
}

test("the project's nginx configuration: healthy (exit 0), HTTP/1.1 is only a warning", async () => {
  const report = await throughNginx([]);
  assert.deepEqual(problems(report), []);
  assert.ok(report.findings.some((f) => f.check === 'http1' && f.severity === 'warning'));
  assert.equal(doctorExitCode(report), 0);
});

test('nginx buffering the response: the buffering problem, with its fixes (exit 1)', async () => {
  // As the guide's troubleshooting found it: buffering on, the gateway's header ignored, and
  // nginx's default HTTP/1.0 upstream (a buffered body is held until its buffers fill).
  const report = await throughNginx([
    [
      'proxy_buffering off;',
      'proxy_buffering on; proxy_ignore_headers X-Accel-Buffering; proxy_buffers 64 64k;',
    ],
    ['proxy_http_version 1.1;', 'proxy_http_version 1.0;'],
    ['proxy_set_header Connection "";', ''],
  ]);
  assert.deepEqual(problems(report), ['buffering']);
  const found = report.findings.find((f) => f.check === 'buffering')!;
  assert.match(found.fix.nginx, /proxy_buffering off/);
  assert.ok(found.fix.cloudflare && found.fix.vercel);
  assert.equal(doctorExitCode(report), 1);
});

test('nginx compressing event streams: the compression problem', async () => {
  const report = await throughNginx([
    ['gzip off;', 'gzip on; gzip_types text/event-stream; gzip_min_length 1;'],
  ]);
  assert.ok(problems(report).includes('compression'), JSON.stringify(problems(report)));
  assert.equal(doctorExitCode(report), 1);
});

test('nginx stripping Last-Event-ID: the last_event_id problem', async () => {
  const report = await throughNginx([
    ['proxy_set_header Last-Event-ID $http_last_event_id;', 'proxy_set_header Last-Event-ID "";'],
  ]);
  assert.deepEqual(problems(report), ['last_event_id']);
});

test('nginx cutting quiet streams before the heartbeat: the idle_timeout problem', async () => {
  const report = await throughNginx([['proxy_read_timeout 1h;', 'proxy_read_timeout 1s;']]);
  assert.deepEqual(problems(report), ['idle_timeout']);
  assert.match(report.findings.find((f) => f.check === 'idle_timeout')!.fix.nginx, /proxy_read_timeout/);
});

test('a second instance without the shared store cannot resume: resume_across_instances', async () => {
  const other = await startTestGateway();
  const report = await runDoctor(gateway.url, { second: other.url });
  await other.shutdown();
  assert.deepEqual(problems(report), ['resume_across_instances']);
});

test('an unreachable URL: could not check, exit code 2 from the command', async () => {
  const child = spawn(process.execPath, ['apps/gateway/bin/tidewire.js', 'doctor', 'http://127.0.0.1:9/'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(out, /could not check/);
});
