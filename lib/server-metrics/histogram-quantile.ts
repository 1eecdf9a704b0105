/**
 * The q-quantile of a classic Prometheus histogram, computed as PromQL's
 * histogram_quantile() computes it (promql/quantile.go, BucketQuantile), so a
 * number here matches the one a Grafana panel shows for the same buckets:
 *
 * - buckets sorted by upper bound; the highest must be +Inf, else NaN;
 * - buckets with the same bound are merged, and cumulative counts are forced
 *   monotonic (differences within 1e-12 relative are treated as equal);
 * - rank = q x the +Inf bucket's count; the first bucket whose count reaches
 *   the rank holds the quantile, interpolated linearly inside it;
 * - in the +Inf bucket: the highest finite bound; in the lowest bucket: from 0
 *   (or that bound itself when it is <= 0);
 * - fewer than 2 buckets or no observations: NaN; q < 0: -Inf; q > 1: +Inf.
 */

export interface Bucket {
  /** The `le` bound (Infinity for +Inf). */
  upperBound: number;
  /** Cumulative: observations <= upperBound. */
  count: number;
}

const SMALL_DELTA_TOLERANCE = 1e-12;

export function histogramQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (input.length === 0) return NaN;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if (sorted[sorted.length - 1]!.upperBound !== Infinity) return NaN;
  const buckets = coalesce(sorted);
  ensureMonotonic(buckets);
  if (buckets.length < 2) return NaN;
  const observations = buckets[buckets.length - 1]!.count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  // sort.Search over all but the +Inf bucket: the first whose count reaches the rank, else the +Inf bucket.
  let b = 0;
  while (b < buckets.length - 1 && buckets[b]!.count < rank) b++;
  if (b === buckets.length - 1) return buckets[buckets.length - 2]!.upperBound;
  if (b === 0 && buckets[0]!.upperBound <= 0) return buckets[0]!.upperBound;
  let bucketStart = 0;
  const bucketEnd = buckets[b]!.upperBound;
  let count = buckets[b]!.count;
  if (b > 0) {
    bucketStart = buckets[b - 1]!.upperBound;
    count -= buckets[b - 1]!.count;
    rank -= buckets[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

/** The bucket the quantile falls in, as [lower, upper] bounds: how precise the estimate can be. */
export function quantileBucket(q: number, input: readonly Bucket[]): [number, number] | undefined {
  const value = histogramQuantile(q, input);
  if (!Number.isFinite(value)) return undefined;
  const bounds = [...input].map((b) => b.upperBound).sort((a, b) => a - b);
  const upper = bounds.find((bound) => bound >= value);
  if (upper === undefined) return undefined;
  const index = bounds.indexOf(upper);
  return [index > 0 ? bounds[index - 1]! : Math.min(0, upper), upper];
}

/** Buckets with the same upper bound (e.g. 1 and 1.0 written differently) are added up. */
function coalesce(sorted: Bucket[]): Bucket[] {
  const out: Bucket[] = [];
  for (const bucket of sorted) {
    const last = out[out.length - 1];
    if (last && last.upperBound === bucket.upperBound) last.count += bucket.count;
    else out.push({ upperBound: bucket.upperBound, count: bucket.count });
  }
  return out;
}

/** Cumulative counts never decrease; tiny differences are floating-point noise and are flattened. */
function ensureMonotonic(buckets: Bucket[]): void {
  let previous = buckets[0]!.count;
  for (let i = 1; i < buckets.length; i++) {
    const current = buckets[i]!.count;
    if (current === previous) continue;
    if (Math.abs(current - previous) <= SMALL_DELTA_TOLERANCE * Math.max(Math.abs(current), Math.abs(previous)) || current < previous) {
      buckets[i]!.count = previous;
    } else {
      previous = current;
    }
  }
}
