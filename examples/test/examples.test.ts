/**
 * Every example, run as a user runs it: copied outside the workspace, installed with the
 * tidewire packages and its framework from the registry, started on a loopback port. A job's
 * stream is cut mid-way and resumed with Last-Event-ID; what the client ends up with is the
 * stream's uncut transcript byte for byte, and its events are those of an uncut run.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { launchBrowser } from '../../testing/browser.ts';
import { startCuttingProxy } from '../../testing/cutting-proxy.ts';
import { freePort } from '../../testing/ports.ts';
import { completeFrames, eventsOf, lastEventId, readUntilCut } from '../../testing/transcript.ts';
import { installInto, SOURCE_CONDITIONS, userEnv } from './packages.ts';

const EXAMPLES = fileURLToPath(new URL('..', import.meta.url));
const NODE_EXAMPLES = ['express', 'fastify', 'hono'];
/** The cut falls after the frame reporting 30 %: mid-job (the job reports every 10 %). */
const CUT_AFTER = '{"pct":30}\n\n';

/** The first test waits for the install (npm, from its cache when it can): minutes, not seconds. */
const SLOW = { timeout: 600_000 };

/** Browsers and Next's bundler read the packages' JavaScript, not their TypeScript sources. */
const NEEDS_BUILT_PACKAGES = SOURCE_CONDITIONS.length > 0 && 'needs the built packages (testing/pack.ts)';

let project = '';

/** Copies the examples (as the repository has them) into a fresh project and installs it. */
before(async () => {
  project = mkdtempSync(join(tmpdir(), 'tidewire-examples-'));
  cpSync(EXAMPLES, project, {
    recursive: true,
    filter: (path) => !/[\\/](node_modules|test|\.next)$/.test(path),
  });
  const dependencies: Record<string, string> = {};
  // The examples folder's own manifest (its tools) and each example's (its framework).
  for (const example of ['.', ...readdirSync(project)]) {
    const manifest = join(project, example, 'package.json');
    if (!existsSync(manifest)) continue;
    const { dependencies: deps = {}, devDependencies: devDeps = {} } = JSON.parse(
      readFileSync(manifest, 'utf8'),
    );
    for (const [name, range] of Object.entries({ ...deps, ...devDeps }))
      if (!name.startsWith('@tidewire/')) dependencies[name] = range as string;
  }
  await installInto(project, dependencies);
}, SLOW);
after(() => rmSync(project, { recursive: true, force: true }));

interface Server {
  url: string;
  stop: () => void;
}

/** Runs `command` in `cwd` with a free PORT until it prints `ready`. */
async function serve(command: string[], cwd: string, ready: RegExp): Promise<Server> {
  const port = await freePort();
  const child: ChildProcess = spawn(command[0]!, command.slice(1), {
    cwd,
    env: userEnv({ PORT: String(port), NEXT_TELEMETRY_DISABLED: '1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: stopping it stops the workers it starts (Next)
  });
  let output = '';
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after 120 s:\n${output}`)), 120_000);
    const seen = (chunk: Buffer) => {
      output += chunk;
      if (ready.test(output)) resolve(void clearTimeout(timer));
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before ready:\n${output}`)));
  });
  const stop = () => {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
  };
  await started.catch((error) => {
    stop();
    throw error;
  });
  return { url: `http://127.0.0.1:${port}`, stop };
}

const start = (url: string, user = 'ada') =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-user': user }, body: '{}' });
const resume = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers: { 'x-user': 'ada', ...headers } });

/** Events of a transcript with its stream's id written as ID (it differs between runs). */
const eventsWithout = (text: string, streamId: string) => eventsOf(text.replaceAll(streamId, 'ID'));

test('the server examples and the job module type-check (strict, nodenext) against the packages', {
  ...SLOW,
  skip: NEEDS_BUILT_PACKAGES,
}, async () => {
  const tsc = join(project, 'node_modules/.bin/tsc');
  await promisify(execFile)(tsc, ['-p', 'tsconfig.json'], { cwd: project, env: userEnv() }).catch((error) => {
    assert.fail(`tsc: ${error.stdout}${error.stderr}`);
  });
});

/**
 * The proof against an app serving `startUrl` and `streamUrl(id)`: cut and resume, cancel, and
 * a stranger's 404.
 */
async function proveCutAndResume(startUrl: string, streamUrl: (id: string) => string): Promise<void> {
  const uncut = await start(startUrl);
  assert.equal(uncut.status, 200, await uncut.clone().text());
  const uncutId = uncut.headers.get('x-stream-id')!;
  const uncutText = await uncut.text();

  const first = await start(startUrl);
  const streamId = first.headers.get('x-stream-id')!;
  const cut = completeFrames(await readUntilCut(first.body!, CUT_AFTER));
  assert.doesNotMatch(cut, /event: result/, 'the cut falls mid-job');
  const resumed = await resume(streamUrl(streamId), { 'Last-Event-ID': lastEventId(cut) });
  assert.equal(resumed.status, 200);
  const rest = await resumed.text();
  const replay = await (await resume(streamUrl(streamId))).text();

  assert.equal(cut + rest, replay, 'cut + resumed is the uncut transcript, byte for byte');
  assert.deepEqual(eventsWithout(replay, streamId), eventsWithout(uncutText, uncutId));
  assert.deepEqual(eventsWithout(replay, streamId).slice(-2), [
    ['result', { url: '/files/ID.pdf' }],
    ['done', { reason: 'stop' }],
  ]);
  const doomed = await start(startUrl);
  const doomedId = doomed.headers.get('x-stream-id')!;
  const cancel = await fetch(streamUrl(doomedId), { method: 'DELETE', headers: { 'x-user': 'ada' } });
  assert.deepEqual(await cancel.json(), { stream_id: doomedId, cancelled: true });
  assert.deepEqual(eventsOf(await doomed.text()).at(-1), ['done', { reason: 'cancelled' }]);

  const stranger = await resume(streamUrl(streamId), { 'x-user': 'eve' });
  assert.equal(stranger.status, 404);
  assert.equal(((await stranger.json()) as { error: { type: string } }).error.type, 'stream_not_found');
}

for (const name of NODE_EXAMPLES) {
  test(
    `${name}: a job cut mid-stream and resumed with Last-Event-ID is the uncut transcript`,
    SLOW,
    async (t) => {
      const server = await serve(
        [process.execPath, ...SOURCE_CONDITIONS, 'server.ts'],
        join(project, name),
        /listening on/,
      );
      t.after(server.stop);
      await proveCutAndResume(`${server.url}/jobs`, (id) => `${server.url}/jobs/${id}`);
    },
  );
}

test('Next.js: the App Router route handlers cut mid-stream and resumed give the uncut transcript', {
  ...SLOW,
  skip: NEEDS_BUILT_PACKAGES,
}, async (t) => {
  // `next dev`: a real Next server compiling the routes on demand (about 35 s here), where
  // `next build` alone takes over two minutes on this machine.
  const next = join(project, 'node_modules/.bin/next');
  const server = await serve([next, 'dev', '--hostname', '127.0.0.1'], join(project, 'nextjs'), /Ready in/);
  t.after(server.stop);
  await proveCutAndResume(`${server.url}/api/jobs`, (id) => `${server.url}/api/jobs/${id}`);
});

test('browser page: a job started by the page survives a cut connection and ends with its result', {
  ...SLOW,
  skip: NEEDS_BUILT_PACKAGES,
}, async (t) => {
  const server = await serve([process.execPath, 'server.ts'], join(project, 'express'), /listening on/);
  t.after(server.stop);
  const proxy = await startCuttingProxy(server.url);
  t.after(() => proxy.close());
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  const requests: string[] = [];
  page.on('request', (request) => {
    if (/\/jobs/.test(request.url()))
      requests.push(
        `${request.method()} ${new URL(request.url()).pathname} ${request.headers()['last-event-id'] ?? ''}`,
      );
  });
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));
  await page.goto(`${proxy.url}/`);
  await page.click('#start');
  await page.waitForFunction(() => Number(document.querySelector('progress')?.value) >= 30);
  proxy.cutAll();
  await page.waitForFunction(() => document.getElementById('state')?.textContent === 'done', null, {
    timeout: 30_000,
  });
  assert.deepEqual(failures, []);
  assert.equal(await page.$eval('progress', (bar) => (bar as HTMLProgressElement).value), 100);
  assert.match((await page.textContent('#result')) ?? '', /^\/files\/[\w-]+\.pdf$/);
  assert.equal(requests.filter((r) => r.startsWith('POST')).length, 1, 'never a second POST');
  assert.ok(
    requests.some((r) => /^GET \/jobs\/[\w-]+ [\w-]+:\d+$/.test(r)),
    `a resume with Last-Event-ID: ${requests.join(', ')}`,
  );
});
