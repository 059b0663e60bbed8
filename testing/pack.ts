/**
 * Test support: the packages as their users get them. `packAll()` builds the workspace when
 * a package's `dist/` is missing or stale, and packs every published package into tarballs
 * (once per process); `installInto(dir)` makes `dir` (from `tempProject()`) a fresh npm
 * project that installs those tarballs, as `npm install` from the registry would. Both
 * temporary directories are removed when the process exits.
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildAll, needsBuild, PACKAGES, ROOT, webShipped } from '../scripts/build.ts';

const run = promisify(execFile);

/** Package name → absolute path of its tarball. */
export type Tarballs = Record<string, string>;

/** What `npm run` puts in the environment, less the cache and registry a user's npm would use too. */
const NPM_RUN_SETTING = /^npm_(?!config_cache$|config_registry$)/i;

/**
 * The environment of a command run as a user would: this test's Node first on PATH (so
 * `npx`, bins and `#!/usr/bin/env node` get Node 24), and none of the `npm_*` settings of an
 * enclosing `npm run` (which would point npm back at this workspace).
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!NPM_RUN_SETTING.test(key)) env[key] = value;
  env.NODE_OPTIONS = '';
  delete env.NODE_TEST_CONTEXT;
  env.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
  return { ...env, ...extra };
}

function packageName(dir: string): string {
  return JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')).name;
}

/** Temporary directories go with the process that made them, whatever its tests did. */
function removedAtExit(dir: string): string {
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let packed: Promise<Tarballs> | undefined;

/**
 * Packs every published package, once; builds the workspace first when a package's `dist/` is
 * missing or stale, or the gateway's copy of the chat page is missing.
 */
export function packAll(): Promise<Tarballs> {
  packed ??= (async () => {
    if (!webShipped() || PACKAGES.some(needsBuild)) buildAll();
    const out = removedAtExit(mkdtempSync(join(tmpdir(), 'tidewire-tarballs-')));
    const workspaces = PACKAGES.flatMap((dir) => ['-w', packageName(dir)]);
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', out, ...workspaces], {
      cwd: ROOT,
      env: userEnv(),
    });
    const results = JSON.parse(stdout) as { name: string; filename: string }[];
    return Object.fromEntries(results.map((r) => [r.name, join(out, r.filename)]));
  })();
  return packed;
}

/** A fresh, empty directory outside the workspace, removed when this process exits. */
export function tempProject(prefix = 'tidewire-consumer-'): string {
  return removedAtExit(mkdtempSync(join(tmpdir(), prefix)));
}

/** The version of a package installed in this workspace (to install the same in a temp project). */
export function workspaceVersion(name: string): string {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/**
 * Makes `dir` an npm project depending on every packed package (plus `extraDeps`, name →
 * version range) and installs it, from npm's cache where it can.
 */
export async function installInto(dir: string, extraDeps: Record<string, string> = {}): Promise<void> {
  const tarballs = await packAll();
  const dependencies: Record<string, string> = { ...extraDeps };
  for (const [name, path] of Object.entries(tarballs)) dependencies[name] = `file:${path}`;
  const manifest = { name: 'tidewire-consumer', private: true, type: 'module', dependencies };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env: userEnv(),
  });
}
