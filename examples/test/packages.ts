/**
 * How the examples test gets the tidewire packages. PROVISIONAL until `testing/pack.ts` (the
 * packaging branch: built packages packed into tarballs) is on this branch; then this whole
 * file becomes
 *
 *   export { installInto, userEnv } from '../../testing/pack.ts';
 *   export const SOURCE_CONDITIONS: string[] = [];
 *
 * Until then `installInto` installs the other dependencies from the registry and links the
 * workspace packages into the project, and examples run with the `tidewire-source` condition
 * (Node reads the linked sources; it strips types outside node_modules only, and a link's
 * real path is the workspace).
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKSPACE_PACKAGES = {
  '@tidewire/protocol': 'packages/protocol',
  '@tidewire/server': 'packages/server',
  '@tidewire/client': 'packages/client',
};

/** Node's arguments to run an example against these packages. */
export const SOURCE_CONDITIONS = ['--conditions=tidewire-source'];

/** This test's Node first on PATH, and no `npm_*` settings of an enclosing `npm run`. */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
  env.NODE_OPTIONS = '';
  delete env.NODE_TEST_CONTEXT;
  env.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
  return { ...env, ...extra };
}

/** Makes `dir` an npm project with `extraDeps` from the registry and the tidewire packages. */
export async function installInto(dir: string, extraDeps: Record<string, string> = {}): Promise<void> {
  const manifest = { name: 'tidewire-consumer', private: true, type: 'module', dependencies: extraDeps };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env: userEnv(),
  });
  mkdirSync(join(dir, 'node_modules/@tidewire'), { recursive: true });
  for (const [name, path] of Object.entries(WORKSPACE_PACKAGES))
    symlinkSync(join(ROOT, path), join(dir, 'node_modules', name));
}
