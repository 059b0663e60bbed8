/**
 * `npm run chaos`: the chaos run as a command (see bench/chaos-run.ts), with its parameters,
 * printing streams, cuts, resumes, takeovers, lost, duplicated and resume times. Exit code 0
 * when nothing was lost, duplicated or wrong, else 1.
 *
 *   npm run chaos -- --streams 300 --cuts-per-second 25 --kills 1 --redis-restarts 0 --nginx
 * @module
 */
import { parseArgs } from 'node:util';
import { DEFAULT_CHAOS, formatReport, runChaos } from './chaos-run.ts';

const HELP = `usage: npm run chaos -- [options]
  --streams N            streams to finish (default ${DEFAULT_CHAOS.streams})
  --concurrency N        clients at once (default ${DEFAULT_CHAOS.concurrency})
  --instances N          gateway instances on one Redis (default ${DEFAULT_CHAOS.instances})
  --cuts-per-second N    connections cut per second, at random bytes (default ${DEFAULT_CHAOS.cutsPerSecond})
  --kills N              instances killed (SIGKILL) and restarted (default ${DEFAULT_CHAOS.kills})
  --redis-restarts N     Redis restarts, without persistence (default ${DEFAULT_CHAOS.redisRestarts})
  --nginx                clients go through infra/nginx in front of each instance
  --tokens-per-second N  demo model pace (default ${DEFAULT_CHAOS.tokensPerSecond})
  --seed N               random seed (default ${DEFAULT_CHAOS.seed})
  --json                 print the report as JSON`;

const { values } = parseArgs({
  options: {
    streams: { type: 'string' },
    concurrency: { type: 'string' },
    instances: { type: 'string' },
    'cuts-per-second': { type: 'string' },
    kills: { type: 'string' },
    'redis-restarts': { type: 'string' },
    nginx: { type: 'boolean', default: false },
    'tokens-per-second': { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

/** A non-negative number option, or the default; anything else stops with the usage. */
function count(name: string, fallback: number): number {
  const raw = values[name as keyof typeof values] as string | undefined;
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} must be a non-negative number, got "${raw}"\n\n${HELP}`);
    process.exit(2);
  }
  return value;
}

const report = await runChaos({
  streams: count('streams', DEFAULT_CHAOS.streams),
  concurrency: Math.max(1, count('concurrency', DEFAULT_CHAOS.concurrency)),
  instances: Math.max(1, count('instances', DEFAULT_CHAOS.instances)),
  cutsPerSecond: count('cuts-per-second', DEFAULT_CHAOS.cutsPerSecond),
  kills: count('kills', DEFAULT_CHAOS.kills),
  redisRestarts: count('redis-restarts', DEFAULT_CHAOS.redisRestarts),
  nginx: values.nginx,
  tokensPerSecond: count('tokens-per-second', DEFAULT_CHAOS.tokensPerSecond),
  seed: count('seed', DEFAULT_CHAOS.seed),
  log: (line) => console.error(line),
});
console.log(values.json ? JSON.stringify(report) : formatReport(report));
const clean = report.lost + report.duplicated + report.wrong + report.errored === 0;
process.exit(clean && report.finished === report.streams ? 0 : 1);
