/**
 * The chaos run: gateway instances sharing a real Redis, each behind a cutting proxy (and
 * optionally the repository's nginx), many clients asking the demo model and resuming after
 * every cut on any live instance, while connections are cut at random byte offsets, instances
 * are killed (SIGKILL) and restarted, and Redis is restarted. Every finished transcript is
 * compared with its reference. Used by `npm run chaos` (bench/chaos.ts) and, bounded, by
 * apps/gateway/test/chaos.test.ts.
 * @module
 */
import { demoAnswer } from '../apps/gateway/src/models/demo-answer.ts';
import { type CuttingProxy, startCuttingProxy } from '../testing/cutting-proxy.ts';
import { type SpawnedServer, spawnGateway } from '../testing/gateway.ts';
import { startNginx, type TestNginx } from '../testing/nginx.ts';
import { startRedis, type TestRedis } from '../testing/redis.ts';
import { type Collected, collectSSE } from '../testing/sse-client.ts';

export interface ChaosOptions {
  streams: number;
  /** Clients asking at once. */
  concurrency: number;
  instances: number;
  /** Connections cut per second (each: the next connection of a random instance, at a random byte). */
  cutsPerSecond: number;
  /** Instances killed (SIGKILL) and restarted during the run, one after another. */
  kills: number;
  /** Redis restarts during the run (no persistence: the logs are lost, answers with them). */
  redisRestarts: number;
  /** Clients go through nginx (infra/nginx) in front of each instance. */
  nginx: boolean;
  /** Demo model pace. */
  tokensPerSecond: number;
  seed: number;
  /** Progress lines (stderr); silent when absent. */
  log?: (line: string) => void;
}

export const DEFAULT_CHAOS: ChaosOptions = {
  streams: 300,
  concurrency: 24,
  instances: 3,
  cutsPerSecond: 25,
  kills: 1,
  redisRestarts: 0,
  nginx: false,
  tokensPerSecond: 150,
  seed: 20261124,
};

export interface ChaosReport {
  streams: number;
  finished: number;
  cuts: number;
  resumes: number;
  takeovers: number;
  /** Instances (not killed by the run) that no longer answered at its end. */
  unreachable: number;
  /** Streams not finished (given up) plus events missing from finished ones. */
  lost: number;
  duplicated: number;
  /** Finished transcripts that differ from the reference answer. */
  wrong: number;
  /**
   * Streams that ended with an `error` event (the store failed under them: a Redis restart
   * without persistence loses the logs); the client is told, the answer is lost.
   */
  errored: number;
  failedConnects: number;
  resumeMsP50: number;
  resumeMsP99: number;
  seconds: number;
}

const MAX_ATTEMPTS = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A seeded generator, so a failing run can be repeated. */
function random(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

interface Instance {
  server: SpawnedServer;
  proxy: CuttingProxy;
  nginx?: TestNginx;
  /** Where clients connect. */
  url: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const rand = random(options.seed);
  const redis: TestRedis = await startRedis();
  const env = {
    DEMO_TOKENS_PER_SEC: String(options.tokensPerSecond),
    STREAM_LEASE_MS: '500',
    SHUTDOWN_GRACE_MS: '200',
    REDIS_URL: redis.url,
  };
  const all: Instance[] = [];
  const startInstance = async (): Promise<Instance> => {
    const server = await spawnGateway(env);
    const proxy = await startCuttingProxy(server.url);
    const nginx = options.nginx ? await startNginx(proxy.url) : undefined;
    const instance = { server, proxy, nginx, url: nginx?.http ?? proxy.url };
    all.push(instance);
    return instance;
  };
  const live: (Instance | undefined)[] = [];
  for (let i = 0; i < options.instances; i++) live.push(await startInstance());
  const pick = () => {
    const up = live.filter((i): i is Instance => i !== undefined);
    return up[Math.floor(rand() * up.length)]!;
  };

  const counts = { finished: 0, cuts: 0, resumes: 0, lost: 0, duplicated: 0, failedConnects: 0, errored: 0 };
  const resumeMs: number[] = [];
  const results: { q: string; text: string }[] = [];

  /** One client: asks, and resumes after every cut (on any live instance) until `done`. */
  const runClient = async (n: number) => {
    const q = `chaos question ${n % 17}`;
    const seen = new Set<number>();
    let text = '';
    let streamId: string | undefined;
    let lastSeq = 0;
    let cutAt: number | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const target = pick();
      const url = streamId
        ? `${target.url}/api/v1/streams/${streamId}?after=${lastSeq}`
        : `${target.url}/api/v1/stream/chat?q=${encodeURIComponent(q)}`;
      if (streamId) counts.resumes++;
      let got: Collected;
      try {
        got = await collectSSE(url, {
          timeoutMs: 20_000,
          until: () => {
            if (cutAt !== undefined) resumeMs.push(performance.now() - cutAt);
            cutAt = undefined;
            return false;
          },
        });
      } catch {
        counts.failedConnects++;
        cutAt ??= performance.now();
        await sleep(50);
        continue;
      }
      for (const event of got.events) {
        if (event.seq === undefined) continue;
        streamId ??= event.streamId;
        if (seen.has(event.seq)) counts.duplicated++;
        else if (event.seq !== lastSeq + 1) counts.lost += event.seq - lastSeq - 1;
        seen.add(event.seq);
        lastSeq = Math.max(lastSeq, event.seq);
        if (event.event === 'delta') text += event.data.text;
      }
      const end = got.events.at(-1);
      if (end?.event === 'done') {
        counts.finished++;
        if (end.data.reason === 'error') counts.errored++;
        else results.push({ q, text });
        return;
      }
      cutAt = performance.now();
      if (got.status !== 200) await sleep(50);
    }
    counts.lost++;
  };

  const began = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < options.streams) await runClient(next++);
  };
  let running = true;
  const cutter = (async () => {
    const everyMs = options.cutsPerSecond > 0 ? 1000 / options.cutsPerSecond : 0;
    while (running && everyMs > 0) {
      // The next connection that sends data is cut after 300 to 4,300 bytes: past the
      // response head, so every connection makes some progress.
      pick().proxy.cutNextAfterBytes(300 + Math.floor(rand() * 4000));
      counts.cuts++;
      await sleep(everyMs);
    }
  })();
  const faults = (async () => {
    for (let k = 0; k < options.kills && running; k++) {
      await sleep(1500);
      const index = k % live.length;
      const victim = live[index]!;
      live[index] = undefined;
      victim.server.child.kill('SIGKILL');
      options.log?.(`killed instance ${index}`);
      await sleep(1500);
      live[index] = await startInstance();
    }
    for (let r = 0; r < options.redisRestarts && running; r++) {
      await sleep(1500);
      await redis.kill();
      options.log?.('Redis killed');
      await sleep(500);
      await redis.start();
    }
  })();
  const progress = setInterval(() => options.log?.(`finished ${counts.finished}/${options.streams}`), 5000);
  let seconds = 0;
  let takeovers = { count: 0, unreachable: 0 };
  try {
    await Promise.all([...Array.from({ length: options.concurrency }, worker), faults]);
    seconds = (performance.now() - began) / 1000;
    takeovers = await takeoversOf(live);
  } finally {
    running = false;
    clearInterval(progress);
    await cutter;
    // Everything started is stopped, also when the run failed: a failed run must not leave
    // gateways, proxies or Redis running (they would keep the caller's process alive).
    for (const instance of all) {
      await instance.nginx?.close().catch(() => {});
      await instance.server.stop().catch(() => {});
      await instance.proxy.close().catch(() => {});
    }
    await redis.close().catch(() => {});
  }
  resumeMs.sort((a, b) => a - b);
  return {
    streams: options.streams,
    finished: counts.finished,
    cuts: counts.cuts,
    resumes: counts.resumes,
    takeovers: takeovers.count,
    unreachable: takeovers.unreachable,
    lost: counts.lost,
    duplicated: counts.duplicated,
    wrong: results.filter((r) => r.text !== demoAnswer(r.q)).length,
    errored: counts.errored,
    failedConnects: counts.failedConnects,
    resumeMsP50: Math.round(percentile(resumeMs, 50)),
    resumeMsP99: Math.round(percentile(resumeMs, 99)),
    seconds: Math.round(seconds * 10) / 10,
  };
}

/** Streams continued by another instance, from the live instances' metrics; and how many did not answer. */
async function takeoversOf(live: (Instance | undefined)[]): Promise<{ count: number; unreachable: number }> {
  let count = 0;
  let unreachable = 0;
  for (const instance of live) {
    if (!instance) continue;
    const text = await fetch(`${instance.server.url}/metrics`)
      .then((response) => response.text())
      .catch(() => undefined);
    if (text === undefined) unreachable++;
    else count += Number(/^tidewire_streams_taken_over_total (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return { count, unreachable };
}

/** The report as the lines `npm run chaos` prints. */
export function formatReport(report: ChaosReport): string {
  return [
    `streams ${report.streams} (finished ${report.finished}) in ${report.seconds} s`,
    `cuts ${report.cuts}, resumes ${report.resumes}, takeovers ${report.takeovers}, failed connects ${report.failedConnects}, instances unreachable at the end ${report.unreachable}`,
    `lost ${report.lost}, duplicated ${report.duplicated}, wrong transcripts ${report.wrong}, ended with an error ${report.errored}`,
    `resume time p50 ${report.resumeMsP50} ms, p99 ${report.resumeMsP99} ms`,
  ].join('\n');
}
