/**
 * What a web page gets from an import: `source` (an app's `import`/`export` lines) bundled
 * for browsers by rolldown as an app's bundler would (ESM, tree-shaken, minified, code split
 * at dynamic imports; tidewire from its sources, which compile to the same JavaScript as its
 * dist/). The chunks are told apart by when a page downloads them: at load (the entry and
 * what it imports statically) or lazily (a dynamic `import()` and what only it needs).
 * Shared by the bundle size benchmark and the test that the client's bundle carries no
 * dependency.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { build, type OutputChunk } from 'rolldown';

export interface BundleChunk {
  /** The chunk's name: a lazy chunk's is the module `import()` names (`websocket-connection`). */
  name: string;
  fileName: string;
  code: string;
  /** Absolute paths of the modules in the chunk. */
  modules: string[];
}

export interface BrowserBundle {
  /** What a page downloads at load: the entry chunk and the chunks it imports statically. */
  atLoad: BundleChunk[];
  /** What a page downloads only when the code asks for it (`import()`). */
  lazy: BundleChunk[];
  /** Absolute paths of the modules in the bundle, both kinds of chunk. */
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
    // An app's entry is a page's script: a lazy chunk may import what the entry already holds
    // from it (Vite builds pages with no entry signature at all), instead of a third chunk.
    preserveEntrySignatures: 'allow-extension',
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
  const atLoad = loadedAtStart(chunks);
  const described = (chunk: OutputChunk): BundleChunk => ({
    name: chunk.name,
    fileName: chunk.fileName,
    code: chunk.code,
    modules: Object.keys(chunk.modules).filter((id) => id !== ENTRY_PATH),
  });
  return {
    atLoad: chunks.filter((chunk) => atLoad.has(chunk.fileName)).map(described),
    lazy: chunks.filter((chunk) => !atLoad.has(chunk.fileName)).map(described),
    modules: chunks.flatMap((chunk) => described(chunk).modules),
  };
}

/** The file names of the entry chunk and of every chunk it imports statically, however deep. */
function loadedAtStart(chunks: OutputChunk[]): Set<string> {
  const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
  const names = new Set(chunks.filter((chunk) => chunk.isEntry).map((chunk) => chunk.fileName));
  for (const name of names) for (const imported of byName.get(name)?.imports ?? []) names.add(imported);
  return names;
}
