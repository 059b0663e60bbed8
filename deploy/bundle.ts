/**
 * Bundles the edge entries into single ES modules (deploy/dist/), the form edge runtimes
 * load: `node deploy/bundle.ts`. Workspace packages resolve to their sources.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

export const ENTRIES = {
  'cloudflare-worker': 'cloudflare-worker.ts',
  'vercel-edge': 'vercel-edge.ts',
} as const;

export async function bundleEdge(): Promise<Record<keyof typeof ENTRIES, string>> {
  const out = fileURLToPath(new URL('./dist/', import.meta.url));
  const paths = {} as Record<keyof typeof ENTRIES, string>;
  for (const [name, file] of Object.entries(ENTRIES) as [keyof typeof ENTRIES, string][]) {
    await build({
      input: fileURLToPath(new URL(file, import.meta.url)),
      platform: 'browser',
      resolve: { conditionNames: ['tidewire-source', 'worker', 'browser', 'import', 'default'] },
      output: { file: `${out}${name}.js`, format: 'esm', minify: false },
      logLevel: 'warn',
    });
    paths[name] = `${out}${name}.js`;
  }
  return paths;
}

if (import.meta.main) {
  const paths = await bundleEdge();
  for (const path of Object.values(paths)) process.stdout.write(`${path}\n`);
}
