/**
 * Bounded chaos (the same run as `npm run chaos`, bench/chaos-run.ts): a few hundred streams
 * over three instances sharing Redis, each instance behind a cutting proxy that cuts
 * connections at random byte offsets (mid-frame, mid-character), and one instance killed and
 * restarted in the middle. Every finished transcript must equal its reference exactly.
 * Prints the counts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CHAOS, formatReport, runChaos } from '../../../bench/chaos-run.ts';

const STREAMS = 240;

test(`${STREAMS} streams with random cuts and an instance killed and restarted: no loss, no duplicate`, async () => {
  const report = await runChaos({ ...DEFAULT_CHAOS, streams: STREAMS, kills: 1, redisRestarts: 0 });
  console.log(formatReport(report));
  assert.equal(report.finished, STREAMS);
  assert.equal(report.lost, 0);
  assert.equal(report.duplicated, 0);
  assert.equal(report.wrong, 0);
  assert.equal(report.errored, 0);
  assert.ok(report.resumes > STREAMS / 4, 'the run really cut connections');
});
