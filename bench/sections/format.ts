/**
 * Number formatting for BENCHMARKS.md tables, and the median that rounds of a phase report.
 * @module
 */

export const f = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Each numeric field's median over `rows` (the rounds of one phase). */
export function medians<T extends Record<string, number>>(rows: T[]): T {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  return Object.fromEntries(Object.keys(rows[0]!).map((k) => [k, median(rows.map((r) => r[k]!))])) as T;
}
