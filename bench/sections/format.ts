/**
 * Number formatting for BENCHMARKS.md tables.
 * @module
 */

export const f = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
