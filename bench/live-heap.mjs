/**
 * Loaded into a server process by the serving-cost bench (`--expose-gc --import`), for every
 * server alike: on SIGUSR2 it runs a full collection and writes the heap's used bytes after it
 * to `${TW_LIVE_HEAP}-${pid}` (written aside, then renamed). What an idle stream holds, without
 * the garbage a collection would free: the RSS rows carry that garbage, or not, as V8 happens to
 * collect during the measured window (on one build, 3.8 or 13.0 KiB per stream from one run to
 * the next).
 */
import { renameSync, writeFileSync } from 'node:fs';

process.on('SIGUSR2', () => {
  if (typeof globalThis.gc !== 'function') throw new Error('live-heap.mjs needs --expose-gc');
  globalThis.gc();
  const file = `${process.env.TW_LIVE_HEAP}-${process.pid}`;
  writeFileSync(`${file}.part`, String(process.memoryUsage().heapUsed));
  renameSync(`${file}.part`, file);
});
