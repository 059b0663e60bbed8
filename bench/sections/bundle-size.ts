/**
 * What `@tidewire/client` adds to a web page: its bundle for browsers, minified and gzipped,
 * next to the SSE libraries a page would otherwise use (eventsource-parser, the parser alone;
 * @microsoft/fetch-event-source, fetch-based SSE with retries). Each entry imports what an app
 * would use and is bundled by rolldown with tree shaking (tidewire from its sources, which
 * compile to the same JavaScript as its dist/); figures are bytes a browser downloads: at
 * load, and apart from it the chunks loaded lazily (the client's WebSocket transport, fetched
 * only when SSE is blocked or the WebSocket is chosen).
 * @module
 */
import { gzipSync } from 'node:zlib';
import { type BundleChunk, bundleForBrowsers } from '../../testing/browser-bundle.ts';
import { f } from './format.ts';

interface Entry {
  name: string;
  /** The app's import. */
  source: string;
  covers: string;
}

/** What each library's users import, and what that gives them. */
const ENTRIES: Entry[] = [
  {
    name: '@tidewire/client',
    source: "export { AdaptiveTypewriter, SSEConsumer } from '@tidewire/client';",
    covers: 'fetch-based SSE, resume by `Last-Event-ID`, backoff, typed and validated events, typewriter',
  },
  {
    name: '@tidewire/client (SSEConsumer only)',
    source: "export { SSEConsumer } from '@tidewire/client';",
    covers: 'the same without the typewriter',
  },
  {
    name: '@microsoft/fetch-event-source',
    source: "export { fetchEventSource } from '@microsoft/fetch-event-source';",
    covers: 'fetch-based SSE with retries (no resume bookkeeping, no event validation)',
  },
  {
    name: 'eventsource-parser',
    source: "export { createParser } from 'eventsource-parser';",
    covers: 'an SSE parser only',
  },
];

/** Bytes of code: as a bundler writes it (minified) and as a browser downloads it (gzip -9). */
export interface Size {
  minified: number;
  gzipped: number;
}

/** A chunk a page downloads only when its code asks for it. */
export interface LazyChunk extends Size {
  /** The module the code imports dynamically, which the chunk is named after (`websocket-connection`). */
  name: string;
}

export interface BundleSize extends Size {
  name: string;
  covers: string;
  /** What a page loads lazily, each chunk on its own; `minified`/`gzipped` are at load. */
  lazy: LazyChunk[];
}

/** The size of chunks downloaded together, each gzipped on its own as a server sends it. */
function sizeOf(chunks: BundleChunk[]): Size {
  return {
    minified: chunks.reduce((sum, chunk) => sum + chunk.code.length, 0),
    gzipped: chunks.reduce((sum, chunk) => sum + gzipSync(chunk.code, { level: 9 }).length, 0),
  };
}

/** Bundles one entry for browsers and measures it. */
async function measure(entry: Entry): Promise<BundleSize> {
  const { atLoad, lazy } = await bundleForBrowsers(entry.source);
  return {
    name: entry.name,
    covers: entry.covers,
    ...sizeOf(atLoad),
    lazy: lazy.map((chunk) => ({ ...sizeOf([chunk]), name: chunk.name })),
  };
}

export async function measureBundleSizes(): Promise<BundleSize[]> {
  const sizes: BundleSize[] = [];
  for (const entry of ENTRIES) sizes.push(await measure(entry));
  return sizes;
}

const kb = (bytes: number) => `${f(bytes / 1024, 1)} KB`;

/** The lazy chunks of a row: each one's min + gzip and the module it is named after, or a dash. */
const lazyCell = (lazy: LazyChunk[]) =>
  lazy.map((chunk) => `${kb(chunk.gzipped)} (${chunk.name})`).join('; ') || '—';

export async function bundleSizeSection(): Promise<string> {
  process.stderr.write('bench: bundle sizes\n');
  const rows = (await measureBundleSizes()).map(
    (s) => `| ${s.name} | ${kb(s.minified)} | ${kb(s.gzipped)} | ${lazyCell(s.lazy)} | ${s.covers} |`,
  );
  return [
    '## Client bundle size',
    '',
    'What each library adds to a web page: bundled for browsers by rolldown (ESM, tree-shaken, minified, split at dynamic imports), then gzip -9.',
    'Minified and min + gzip are what a page downloads at load; the lazy chunks (min + gzip, each on its own) only when the code asks for them:',
    "`@tidewire/client`'s WebSocket transport when SSE is blocked on the way or `transport: 'websocket'` is chosen.",
    '',
    '| library | minified, at load | min + gzip, at load | loaded lazily (min + gzip) | what it does |',
    '|---|---:|---:|---|---|',
    ...rows,
    '',
  ].join('\n');
}
