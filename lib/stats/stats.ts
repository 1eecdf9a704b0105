/**
 * Pure descriptive statistics. Percentiles use linear interpolation between
 * closest ranks (numpy's default, "linear" / R type 7): rank = p/100 * (n - 1).
 * Standard deviation is the sample standard deviation (divides by n - 1);
 * it is 0 for a single value.
 */

export interface Distribution {
  count: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  std: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

export const PERCENTILES = [50, 90, 95, 99] as const;

/** `sorted` must be ascending. Returns undefined for an empty sample. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], got ${p}`);
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}

export function percentile(values: ArrayLike<number>, p: number): number | undefined {
  return percentileOfSorted(sortedCopy(values), p);
}

export function mean(values: ArrayLike<number>): number | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] as number;
  return sum / n;
}

/** Sample standard deviation (n - 1 in the denominator); 0 when n = 1. */
export function sampleStd(values: ArrayLike<number>): number | undefined {
  const n = values.length;
  const m = mean(values);
  if (m === undefined) return undefined;
  if (n === 1) return 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - m;
    ss += d * d;
  }
  return Math.sqrt(ss / (n - 1));
}

export function describe(values: ArrayLike<number>): Distribution | undefined {
  return describeSorted(sortedCopy(values));
}

/** describe() of values already sorted ascending (no copy). */
export function describeSorted(sorted: Float64Array): Distribution | undefined {
  if (sorted.length === 0) return undefined;
  const at = (p: number) => percentileOfSorted(sorted, p) as number;
  return {
    count: sorted.length,
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    mean: mean(sorted) as number,
    median: at(50),
    std: sampleStd(sorted) as number,
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
  };
}

function sortedCopy(values: ArrayLike<number>): Float64Array {
  // A typed array sorts numerically (no string comparison) and fast.
  return Float64Array.from(values).sort();
}
