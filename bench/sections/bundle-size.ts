/**
 * What `@tidewire/client` adds to a web page: its bundle for browsers, minified and gzipped,
 * next to the SSE libraries a page would otherwise use (eventsource-parser, the parser alone;
 * @microsoft/fetch-event-source, fetch-based SSE with retries). Each entry imports what an app
 * would use and is bundled by rolldown with tree shaking (tidewire from its sources, which
 * compile to the same JavaScript as its dist/); figures are bytes a browser downloads.
 * @module
 */
import { gzipSync } from 'node:zlib';
import { bundleForBrowsers } from '../../testing/browser-bundle.ts';
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

export interface BundleSize {
  name: string;
  covers: string;
  minified: number;
  gzipped: number;
}

/** Bundles one entry for browsers and measures it. */
async function measure(entry: Entry): Promise<BundleSize> {
  const { code } = await bundleForBrowsers(entry.source);
  return {
    name: entry.name,
    covers: entry.covers,
    minified: code.length,
    gzipped: gzipSync(code, { level: 9 }).length,
  };
}

export async function measureBundleSizes(): Promise<BundleSize[]> {
  const sizes: BundleSize[] = [];
  for (const entry of ENTRIES) sizes.push(await measure(entry));
  return sizes;
}

const kb = (bytes: number) => `${f(bytes / 1024, 1)} KB`;

export async function bundleSizeSection(): Promise<string> {
  process.stderr.write('bench: bundle sizes\n');
  const rows = (await measureBundleSizes()).map(
    (s) => `| ${s.name} | ${kb(s.minified)} | ${kb(s.gzipped)} | ${s.covers} |`,
  );
  return [
    '## Client bundle size',
    '',
    'What each library adds to a web page: bundled for browsers by rolldown (ESM, tree-shaken, minified), then gzip -9.',
    '',
    '| library | minified | min + gzip | what it does |',
    '|---|---:|---:|---|',
    ...rows,
    '',
  ].join('\n');
}
