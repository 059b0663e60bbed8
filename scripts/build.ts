/**
 * `npm run build`: builds what users install. Each published package (protocol, server,
 * client, gateway) compiles its TypeScript sources into ESM JavaScript and `.d.ts` files in
 * its `dist/`, in dependency order (each build type-checks against the `dist/` of the ones
 * before it); then the chat page (apps/web, Vite), which the gateway package ships in
 * `dist/web` for `tidewire serve`.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The published packages, dependencies first. */
export const PACKAGES = ['packages/protocol', 'packages/server', 'packages/client', 'apps/gateway'] as const;

const TSC = join(ROOT, 'node_modules/.bin/tsc');

export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const TS_SPECIFIER = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*?)\.([mc]?)tsx?\2/g;

/**
 * `.d.ts` files keep the sources' `.ts` import paths (`rewriteRelativeImportExtensions`
 * rewrites only JavaScript), which a consumer's compiler rejects (TS5097); point them at the
 * `.js` files beside them.
 */
export function rewriteDeclarationImports(text: string): string {
  return text.replace(
    TS_SPECIFIER,
    (_match, head, quote, path, flavour) => `${head}${quote}${path}.${flavour}js${quote}`,
  );
}

export function buildPackage(dir: string): void {
  const dist = join(ROOT, dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  execFileSync(TSC, ['-p', join(ROOT, dir, 'tsconfig.build.json')], { stdio: 'inherit' });
  for (const path of filesUnder(dist).filter((p) => p.endsWith('.d.ts'))) {
    const text = readFileSync(path, 'utf8');
    const rewritten = rewriteDeclarationImports(text);
    if (rewritten !== text) writeFileSync(path, rewritten);
  }
}

/** The render benchmark page (bench/ drives it from the repository), which users need not get. */
const BENCH_PAGE = /[\\/](bench\.html|bench-[^\\/]*\.js)$/;

export function buildAll(): void {
  for (const dir of PACKAGES) buildPackage(dir);
  execFileSync('npm', ['run', '-s', 'build', '-w', '@tidewire/web'], { cwd: ROOT, stdio: 'inherit' });
  cpSync(join(ROOT, 'apps/web/dist'), join(ROOT, 'apps/gateway/dist/web'), {
    recursive: true,
    filter: (path) => !BENCH_PAGE.test(path),
  });
}

if (import.meta.main) buildAll();
