/**
 * How the examples test gets the tidewire packages: from `testing/pack.ts` (built packages
 * packed into tarballs, as users install them) wherever it exists. On a branch that predates it,
 * a fallback installs the other dependencies from the registry and links the workspace packages
 * into the project; examples then run with the `tidewire-source` condition (Node reads the
 * linked sources: it strips types outside node_modules only, and a link's real path is the
 * workspace), and what needs JavaScript (the browser, Next's bundler) is skipped.
 * Once `testing/pack.ts` is on main, this file is `export { installInto, userEnv } from
 * '../../testing/pack.ts'` with `SOURCE_CONDITIONS = []`.
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACK = new URL('../../testing/pack.ts', import.meta.url);

interface Pack {
  installInto(dir: string, extraDeps?: Record<string, string>): Promise<void>;
  userEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
}
const pack: Pack | undefined = existsSync(PACK) ? await import(PACK.href) : undefined;

/** Node's arguments to run an example against the installed packages. */
export const SOURCE_CONDITIONS: string[] = pack ? [] : ['--conditions=tidewire-source'];

/** This test's Node first on PATH, and no `npm_*` settings of an enclosing `npm run`. */
export const userEnv: Pack['userEnv'] =
  pack?.userEnv ??
  ((extra = {}) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key)) env[key] = value;
    env.NODE_OPTIONS = '';
    delete env.NODE_TEST_CONTEXT;
    env.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;
    return { ...env, ...extra };
  });

/** Makes `dir` an npm project with `extraDeps` from the registry and the tidewire packages. */
export const installInto: Pack['installInto'] = pack?.installInto ?? linkWorkspaceInto;

async function linkWorkspaceInto(dir: string, extraDeps: Record<string, string> = {}): Promise<void> {
  const manifest = { name: 'tidewire-consumer', private: true, type: 'module', dependencies: extraDeps };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env: userEnv(),
  });
  mkdirSync(join(dir, 'node_modules/@tidewire'), { recursive: true });
  for (const name of ['protocol', 'server', 'client'])
    symlinkSync(join(ROOT, 'packages', name), join(dir, 'node_modules/@tidewire', name));
}
