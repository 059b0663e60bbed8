/**
 * What a web page gets from an import: `source` (an app's `import`/`export` lines) bundled
 * for browsers by rolldown as an app's bundler would (ESM, tree-shaken, minified; tidewire
 * from its sources, which compile to the same JavaScript as its dist/). Shared by the bundle
 * size benchmark and the test that the client's bundle carries no dependency.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

export interface BrowserBundle {
  code: string;
  /** Absolute paths of the modules in the bundle. */
  modules: string[];
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY_ID = 'browser-bundle-entry.js';
const ENTRY_PATH = `${ROOT}${ENTRY_ID}`;

export async function bundleForBrowsers(source: string): Promise<BrowserBundle> {
  const output = await build({
    input: ENTRY_ID,
    cwd: ROOT,
    platform: 'browser',
    resolve: { conditionNames: ['tidewire-source', 'browser', 'import', 'default'] },
    plugins: [
      {
        name: 'browser-bundle-entry',
        resolveId: (id) => (id === ENTRY_ID ? ENTRY_PATH : undefined),
        load: (id) => (id === ENTRY_PATH ? source : undefined),
      },
    ],
    output: { format: 'esm', minify: true },
    write: false,
    logLevel: 'warn',
  });
  const chunks = output.output.flatMap((item) => (item.type === 'chunk' ? [item] : []));
  return {
    code: chunks.map((chunk) => chunk.code).join(''),
    modules: chunks.flatMap((chunk) => Object.keys(chunk.modules)).filter((id) => id !== ENTRY_PATH),
  };
}
