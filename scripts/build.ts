/**
 * `npm run build`: builds what users install. Each published package (protocol, server,
 * client, gateway) compiles its TypeScript sources into ESM JavaScript and `.d.ts` files in
 * its `dist/`, in dependency order (each build type-checks against the `dist/` of the ones
 * before it); then the chat page (apps/web, Vite), which the gateway package ships in
 * `dist/web` for `tidewire serve`. `node scripts/build.ts DIR` builds one package for packing
 * (each package's `prepack`).
 * @module
 */
import { execFileSync, type StdioOptions } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The published packages, dependencies first. */
export const PACKAGES = ['packages/protocol', 'packages/server', 'packages/client', 'apps/gateway'] as const;

const TSC = join(ROOT, 'node_modules/.bin/tsc');

/** The compilers' output goes to stderr: `npm pack --json` (which runs `prepack`) keeps stdout for its JSON. */
const BUILD_OUTPUT: StdioOptions = ['ignore', 2, 2];

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
  execFileSync(TSC, ['-p', join(ROOT, dir, 'tsconfig.build.json')], { stdio: BUILD_OUTPUT });
  for (const path of filesUnder(dist).filter((p) => p.endsWith('.d.ts'))) {
    const text = readFileSync(path, 'utf8');
    const rewritten = rewriteDeclarationImports(text);
    if (rewritten !== text) writeFileSync(path, rewritten);
  }
}

/** The render benchmark page (bench/ drives it from the repository), which users need not get. */
const BENCH_PAGE = /[\\/](bench\.html|bench-[^\\/]*\.js)$/;

/** Builds the chat page and copies it into the gateway package's `dist/web`. */
function buildWeb(): void {
  execFileSync('npm', ['run', '-s', 'build', '-w', '@tidewire/web'], { cwd: ROOT, stdio: BUILD_OUTPUT });
  cpSync(join(ROOT, 'apps/web/dist'), join(ROOT, 'apps/gateway/dist/web'), {
    recursive: true,
    filter: (path) => !BENCH_PAGE.test(path),
  });
}

export function buildAll(): void {
  for (const dir of PACKAGES) buildPackage(dir);
  buildWeb();
}

const newest = (paths: string[]) => Math.max(...paths.map((path) => statSync(path).mtimeMs));

/** A package whose `dist/` is missing, or older than one of its sources or build settings. */
export function needsBuild(dir: string): boolean {
  const built = join(ROOT, dir, 'dist/index.js');
  if (!existsSync(built)) return true;
  const inputs = [...filesUnder(join(ROOT, dir, 'src')), join(ROOT, dir, 'tsconfig.build.json')];
  return newest(inputs) > statSync(built).mtimeMs;
}

/** Whether the gateway package holds its copy of the chat page. */
export const webShipped = (): boolean => existsSync(join(ROOT, 'apps/gateway/dist/web/index.html'));

/**
 * A package's `prepack` (`npm pack` or `npm publish` in its folder): builds it, and the
 * packages before it that it compiles against, where missing or stale; the gateway with its chat
 * page. A package packed from a clean checkout gets its JavaScript and `.d.ts` files, never an
 * empty `dist/`; packing them all at once builds each only once.
 */
export function buildForPack(dir: string): void {
  const upTo = (PACKAGES as readonly string[]).indexOf(dir);
  if (upTo < 0) throw new Error(`${dir} is not a published package (${PACKAGES.join(', ')})`);
  for (const before of PACKAGES.slice(0, upTo + 1)) if (needsBuild(before)) buildPackage(before);
  if (dir === 'apps/gateway' && !webShipped()) buildWeb();
}

if (import.meta.main) {
  const dir = process.argv[2];
  if (dir) buildForPack(dir);
  else buildAll();
}
