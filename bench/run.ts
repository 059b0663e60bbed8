/**
 * `npm run bench`: runs every benchmark section, tidewire and its yardsticks side by side in
 * one run, and writes BENCHMARKS.md with the figures, the machine, the date and the command.
 * `BENCH_QUICK=1` shortens every phase (for a smoke run). `BENCH_ONLY=name,name` runs only those
 * sections and writes `bench/out/partial.md` instead of BENCHMARKS.md.
 * A section that fails is written as failed, with its error: a missed figure is reported, not hidden.
 * BENCHMARKS.md is rewritten after every section, so an interrupted run leaves what it measured.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { bundleSizeSection } from './sections/bundle-size.ts';
import { coalescingSection } from './sections/coalescing.ts';
import { engineOnlySection } from './sections/engine-only.ts';
import { mediaSection } from './sections/media.ts';
import { providerLatencySection } from './sections/provider-latency.ts';
import { richAnswersSection } from './sections/rich-answers.ts';
import { scaleOutSection } from './sections/scale-out.ts';
import { servingCostSection } from './sections/serving-cost.ts';
import { sseServersSection } from './sections/sse-servers.ts';
import { storesSection } from './sections/stores.ts';
import { webRenderSection } from './sections/web-render.ts';
import { webSocketSection } from './sections/websocket.ts';

const quick = process.env.BENCH_QUICK === '1';
const only = process.env.BENCH_ONLY?.split(',').filter(Boolean);
const started = new Date();

/** Every section, in run order: a name (for BENCH_ONLY) and how to run it at full and quick size. */
const SECTIONS: { name: string; run: () => Promise<string> }[] = [
  {
    name: 'sse-servers',
    run: () =>
      sseServersSection(
        quick
          ? { latencyCount: 50, concurrency: 10, seconds: 1, idleCounts: [100, 300] }
          : { latencyCount: 300, concurrency: 50, seconds: 5, idleCounts: [1000, 5000] },
      ),
  },
  {
    name: 'engine-only',
    run: () =>
      engineOnlySection(
        quick
          ? { latencyCount: 50, concurrency: 10, seconds: 1 }
          : { latencyCount: 300, concurrency: 50, seconds: 5 },
      ),
  },
  {
    name: 'coalescing',
    run: () => coalescingSection(quick ? { concurrency: 10, seconds: 1 } : { concurrency: 50, seconds: 3 }),
  },
  {
    name: 'scale-out',
    run: () =>
      scaleOutSection(
        quick
          ? { concurrency: 10, seconds: 1, resumes: 50, idleSteps: [500], redisIdle: 300 }
          : { concurrency: 50, seconds: 5, resumes: 300, idleSteps: [1000, 5000, 10_000], redisIdle: 10_000 },
      ),
  },
  {
    name: 'stores',
    run: () =>
      storesSection(
        quick
          ? { latencyCount: 50, concurrency: 10, seconds: 1, idleCount: 300 }
          : { latencyCount: 300, concurrency: 50, seconds: 5, idleCount: 2000 },
      ),
  },
  // 1,000: with 300 the p99 is the third-slowest request, and the difference of two such p99s
  // swung from -1 to +14 ms between runs of one build.
  { name: 'provider-latency', run: () => providerLatencySection(quick ? 50 : 1000) },
  { name: 'media', run: () => mediaSection(quick ? { count: 5, tasks: 5 } : { count: 20, tasks: 20 }) },
  { name: 'rich-answers', run: () => richAnswersSection(quick ? 50 : 300) },
  {
    name: 'web-render',
    run: () =>
      webRenderSection(
        quick
          ? { tokens: [2000], fullUpTo: 2000, charsPerUpdate: 4 }
          : { tokens: [2000, 5000, 20_000], fullUpTo: 5000, charsPerUpdate: 4 },
      ),
  },
  {
    name: 'websocket',
    run: () =>
      webSocketSection(
        quick
          ? { latencyCount: 30, concurrency: 10, seconds: 1, idleCount: 200, switches: 3 }
          : { latencyCount: 200, concurrency: 50, seconds: 5, idleCount: 2000, switches: 10 },
      ),
  },
  { name: 'bundle-size', run: () => bundleSizeSection() },
  {
    name: 'serving-cost',
    run: () =>
      servingCostSection(
        quick
          ? {
              concurrency: 10,
              seconds: 1,
              idleCount: 300,
              openCount: 1000,
              pacedCount: 100,
              tokensPerSec: 40,
              spreadMs: 2000,
              latencyCount: 50,
              holdCount: 0,
            }
          : {
              concurrency: 50,
              seconds: 5,
              idleCount: 5000,
              openCount: 10_000,
              pacedCount: 1000,
              tokensPerSec: 40,
              spreadMs: 2000,
              latencyCount: 300,
              holdCount: 19_900,
            },
      ),
  },
];

const unknown = only?.filter((name) => !SECTIONS.some((s) => s.name === name)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(
    `bench: unknown section(s) ${unknown.join(', ')}; known: ${SECTIONS.map((s) => s.name).join(', ')}\n`,
  );
  process.exit(2);
}

const outFile = only
  ? new URL('./out/partial.md', import.meta.url)
  : new URL('../BENCHMARKS.md', import.meta.url);
if (only) mkdirSync(new URL('./out/', import.meta.url), { recursive: true });

function header(done: boolean): string[] {
  const command = `${quick ? 'BENCH_QUICK=1 ' : ''}${only ? `BENCH_ONLY=${only.join(',')} ` : ''}npm run bench`;
  return [
    '# tidewire benchmarks',
    '',
    `Written by \`${command}\` on ${started.toISOString()}${done ? ` (run took ${Math.round((Date.now() - started.getTime()) / 60_000)} min)` : ' — run still in progress or interrupted'}.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}.`,
    'Every server and the load client run as separate processes on the same machine, on loopback, so they share its cores:',
    'absolute figures are bounded by the load client as much as by the servers; compare rows of one run.',
    '',
  ];
}

const written: string[] = [];
let failures = 0;
for (const section of SECTIONS.filter((s) => !only || only.includes(s.name))) {
  const began = Date.now();
  process.stderr.write(`bench: section ${section.name}\n`);
  try {
    written.push(await section.run());
  } catch (error) {
    failures++;
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`bench: section ${section.name} failed: ${message}\n`);
    written.push(
      `## ${section.name}: failed\n\nThis section did not complete in this run:\n\n\`\`\`\n${message}\n\`\`\`\n`,
    );
  }
  process.stderr.write(`bench: section ${section.name} took ${Math.round((Date.now() - began) / 1000)} s\n`);
  writeFileSync(outFile, `${[...header(false), ...written].join('\n')}\n`);
}
writeFileSync(outFile, `${[...header(true), ...written].join('\n')}\n`);
process.stderr.write(`bench: wrote ${only ? 'bench/out/partial.md' : 'BENCHMARKS.md'}\n`);
process.exit(failures > 0 ? 1 : 0);
