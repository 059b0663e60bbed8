/**
 * `npm run bench`: runs every benchmark section, tidewire and its yardsticks side by side in
 * one run, and writes BENCHMARKS.md with the figures, the machine, the date and the command.
 * `BENCH_QUICK=1` shortens every phase (for a smoke run).
 * @module
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { bundleSizeSection } from './sections/bundle-size.ts';
import { coalescingSection } from './sections/coalescing.ts';
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
const started = new Date();
const sections: string[] = [];

sections.push(
  await sseServersSection(
    quick
      ? { latencyCount: 50, concurrency: 10, seconds: 1, idleCounts: [100, 300] }
      : { latencyCount: 300, concurrency: 50, seconds: 5, idleCounts: [1000, 5000] },
  ),
);

sections.push(
  await coalescingSection(quick ? { concurrency: 10, seconds: 1 } : { concurrency: 50, seconds: 3 }),
);

sections.push(
  await scaleOutSection(
    quick
      ? { concurrency: 10, seconds: 1, resumes: 50, idleSteps: [500], redisIdle: 300 }
      : { concurrency: 50, seconds: 5, resumes: 300, idleSteps: [1000, 5000, 10_000], redisIdle: 2000 },
  ),
);

sections.push(
  await storesSection(
    quick
      ? { latencyCount: 50, concurrency: 10, seconds: 1, idleCount: 300 }
      : { latencyCount: 300, concurrency: 50, seconds: 5, idleCount: 2000 },
  ),
);

sections.push(await providerLatencySection(quick ? 50 : 300));

sections.push(await mediaSection(quick ? { count: 5, tasks: 5 } : { count: 20, tasks: 20 }));
sections.push(await richAnswersSection(quick ? 50 : 300));

sections.push(
  await webRenderSection(
    quick
      ? { tokens: [2000], fullUpTo: 2000, charsPerUpdate: 4 }
      : { tokens: [2000, 5000, 20_000], fullUpTo: 5000, charsPerUpdate: 4 },
  ),
);

sections.push(
  await webSocketSection(
    quick
      ? { latencyCount: 30, concurrency: 10, seconds: 1, idleCount: 200, switches: 3 }
      : { latencyCount: 200, concurrency: 50, seconds: 5, idleCount: 2000, switches: 10 },
  ),
);
sections.push(await bundleSizeSection());

sections.push(
  await servingCostSection(
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
        },
  ),
);

const header = [
  '# tidewire benchmarks',
  '',
  `Written by \`npm run bench\`${quick ? ' (BENCH_QUICK=1: shortened phases)' : ''} on ${started.toISOString()}.`,
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}.`,
  'Every server and the load client run as separate processes on the same machine, on loopback, so they share its cores:',
  'absolute figures are bounded by the load client as much as by the servers; compare rows of one run.',
  '',
];
writeFileSync(new URL('../BENCHMARKS.md', import.meta.url), `${[...header, ...sections].join('\n')}\n`);
process.stderr.write('bench: wrote BENCHMARKS.md\n');
