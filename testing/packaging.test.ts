/**
 * The packages as their users get them: built, packed and installed from the tarballs into a
 * fresh project outside the workspace. Each tarball ships its built code and README, not its
 * sources or tests; a strict TypeScript consumer type-checks against every public entry point
 * and Node runs it against the published JavaScript; a web page and an edge function
 * type-check without Node's types; the `tidewire` command works from the
 * installed package: `--help`, `serve` (the chat page included) and `chat`, which streams a
 * whole answer.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import { demoAnswer } from '../apps/gateway/src/models/demo-answer.ts';
import { PACKAGES, ROOT } from '../scripts/build.ts';
import { TEST_ENV } from './gateway.ts';
import { installInto, packAll, type Tarballs, tempProject, userEnv, workspaceVersion } from './pack.ts';

const run = promisify(execFile);
const CONSUMERS = new URL('./pack-consumer/', import.meta.url);

/** How a web app (or edge function) checks its types: a bundler's resolution, the DOM, no Node. */
const BROWSER_TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: 'es2022',
    module: 'esnext',
    moduleResolution: 'bundler',
    lib: ['es2022', 'dom', 'dom.iterable'],
    types: [],
    noEmit: true,
  },
  files: ['browser.ts'],
};

let tarballs: Tarballs;
let project: string;

before(
  async () => {
    tarballs = await packAll();
    project = tempProject();
    await installInto(project, {
      '@types/node': workspaceVersion('@types/node'),
      '@redis/client': workspaceVersion('@redis/client'),
    });
    for (const file of ['consumer.ts', 'browser.ts'])
      copyFileSync(new URL(file, CONSUMERS), join(project, file));
    writeFileSync(join(project, 'tsconfig.browser.json'), JSON.stringify(BROWSER_TSCONFIG));
  },
  { timeout: 240_000 },
); // a build when dist/ is missing, packing, and an npm install

/** Runs a command in the consumer project as its user would; never rejects. */
async function inProject(command: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: project, env: userEnv(env) });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test('each tarball ships its built code, typings and README, and no sources or tests', async () => {
  assert.deepEqual(Object.keys(tarballs).sort(), [
    '@tidewire/client',
    '@tidewire/gateway',
    '@tidewire/protocol',
    '@tidewire/server',
  ]);
  for (const [name, tarball] of Object.entries(tarballs)) {
    const { stdout } = await run('tar', ['tzf', tarball]);
    const files = stdout.trim().split('\n');
    assert.ok(files.includes('package/dist/index.js'), `${name} ships dist/index.js`);
    assert.ok(files.includes('package/dist/index.d.ts'), `${name} ships dist/index.d.ts`);
    assert.ok(files.includes('package/README.md'), `${name} ships its README`);
    const extra = files.filter((f) => !/^package\/(dist\/|bin\/|README\.md$|package\.json$)/.test(f));
    assert.deepEqual(extra, [], `${name} ships nothing but dist, bin, README and package.json`);
    const sources = files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'));
    assert.deepEqual(sources, [], `${name} ships no TypeScript sources`);
  }
});

test('npm pack in a package’s own folder (its prepack builds it) lists every file its exports name', async () => {
  for (const dir of PACKAGES) {
    const manifest = JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json'], {
      cwd: join(ROOT, dir),
      env: userEnv(),
    });
    const packed = new Set(
      (JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path),
    );
    for (const [entry, targets] of Object.entries(
      manifest.exports as Record<string, string | Record<string, string>>,
    )) {
      if (typeof targets === 'string') continue; // ./package.json
      for (const condition of ['types', 'default'])
        assert.ok(
          packed.has(targets[condition]!.slice(2)),
          `${manifest.name} ${entry} ${condition} is packed`,
        );
    }
  }
});

test('the installed typings import JavaScript paths, never .ts ones', () => {
  const scope = join(project, 'node_modules/@tidewire');
  for (const pkg of readdirSync(scope)) {
    const dist = join(scope, pkg, 'dist');
    for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.d.ts')) continue;
      const text = readFileSync(join(dist, file), 'utf8');
      assert.doesNotMatch(
        text,
        /(from|import)\s*\(?\s*['"]\.{1,2}\/[^'"]*\.[mc]?tsx?['"]/,
        `${pkg}/dist/${file}`,
      );
    }
  }
});

test('the installed client loads its WebSocket transport lazily from a .js file beside it', () => {
  const dist = join(project, 'node_modules/@tidewire/client/dist');
  const code = readFileSync(join(dist, 'sse-consumer.js'), 'utf8');
  const lazy = [...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => match[1]);
  assert.deepEqual(lazy, ['./websocket-connection.js']);
  assert.ok(existsSync(join(dist, 'websocket-connection.js')), 'dist/websocket-connection.js is shipped');
});

const TSC = join(ROOT, 'node_modules/.bin/tsc');

test('a strict TypeScript consumer on Node type-checks against every public entry point', async () => {
  const flags = ['--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2024'];
  const result = await inProject(TSC, [...flags, '--types', 'node', '--noEmit', 'consumer.ts']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
});

test('a web page using the client and the protocol, and an edge function using the server, type-check without Node types', async () => {
  const result = await inProject(TSC, ['-p', 'tsconfig.browser.json']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
});

test('Node runs the consumer against the published JavaScript', async () => {
  const result = await inProject(process.execPath, ['--test-reporter=spec', 'consumer.ts']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^ℹ fail 0$/m);
});

test('npx tidewire --help lists the commands', async () => {
  const result = await inProject('npx', ['tidewire', '--help']);
  assert.equal(result.code, 0, result.stderr);
  for (const command of ['chat', 'serve', 'user'])
    assert.match(result.stdout, new RegExp(`^  ${command}\\b`, 'm'));
});

test('tidewire serve from the package serves the chat page; npx tidewire chat streams a whole answer from it', async () => {
  const server = spawn(join(project, 'node_modules/.bin/tidewire'), ['serve'], {
    cwd: project,
    env: userEnv(TEST_ENV),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (d) => {
        output += d;
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      server.stderr!.on('data', (d) => {
        output += d;
      });
      server.once('exit', (code) => reject(new Error(`tidewire serve exited with ${code}: ${output}`)));
    });
    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const result = await inProject('npx', ['tidewire', 'chat', 'Hello from the package', '--url', url]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${demoAnswer('Hello from the package')}\n`);
  } finally {
    server.kill('SIGTERM');
    if (server.exitCode === null && server.signalCode === null) await once(server, 'exit');
  }
});
