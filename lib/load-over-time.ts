/**
 * Load over time for the charts: completed and failed requests per second,
 * output tokens per second and requests in flight, per time bucket. Taken from
 * the results' `timeseries` when the run recorded one; otherwise derived from
 * the per-request timestamps. Pure.
 */
import type { MetricRow, Timeseries } from './results.ts';

export interface LoadPoint {
  /** Bucket midpoint, seconds since the run's origin. */
  t: number;
  completedPerSecond: number;
  failedPerSecond: number;
  outputTokensPerSecond: number;
  inFlight: number;
}

export interface LoadOverTime {
  points: LoadPoint[];
  /** True when computed from the rows rather than read from `timeseries`. */
  derived: boolean;
}

const BUCKET_MS = 1000;

export function loadOverTime(rows: readonly MetricRow[], timeseries?: Timeseries): LoadOverTime {
  if (timeseries && timeseries.buckets.length > 0) {
    const width = timeseries.bucket_seconds;
    return {
      derived: false,
      points: timeseries.buckets.map((b) => ({
        t: b.t + width / 2,
        completedPerSecond: b.completed / width,
        failedPerSecond: b.failed / width,
        outputTokensPerSecond: b.output_tokens / width,
        inFlight: b.in_flight,
      })),
    };
  }
  return { derived: true, points: deriveFromRows(rows) };
}

/**
 * 1 s buckets from 0 to the last request's end. Completions and failures count
 * in the bucket of their end; output tokens are spread over the request's token
 * arrival times; "in flight" is the time-weighted mean over the bucket. The last
 * bucket is usually partial, so its rates divide by the time it covers.
 */
function deriveFromRows(rows: readonly MetricRow[]): LoadPoint[] {
  let end = 0;
  for (const row of rows) end = Math.max(end, row.timestamps.ended);
  if (rows.length === 0 || end <= 0) return [];
  const count = Math.ceil(end / BUCKET_MS);
  const completed = new Float64Array(count);
  const failed = new Float64Array(count);
  const tokens = new Float64Array(count);
  const busyMs = new Float64Array(count);
  const bucketOf = (ms: number) => Math.min(count - 1, Math.max(0, Math.floor(ms / BUCKET_MS)));

  for (const row of rows) {
    const started = Math.max(0, row.timestamps.started);
    const ended = Math.max(started, row.timestamps.ended);
    if (row.error_kind === null) {
      completed[bucketOf(ended)]! += 1;
      if (row.token_times.length > 0) {
        const weight = row.total_tokens / row.token_times.length;
        for (const at of row.token_times) tokens[bucketOf(at)]! += weight;
      } else {
        tokens[bucketOf(ended)]! += row.total_tokens;
      }
    } else {
      failed[bucketOf(ended)]! += 1;
    }
    for (let b = bucketOf(started); b <= bucketOf(ended); b++) {
      const overlap = Math.min(ended, (b + 1) * BUCKET_MS) - Math.max(started, b * BUCKET_MS);
      if (overlap > 0) busyMs[b]! += overlap;
    }
  }

  const points: LoadPoint[] = [];
  for (let b = 0; b < count; b++) {
    const widthMs = Math.min(BUCKET_MS, end - b * BUCKET_MS);
    const seconds = widthMs / 1000;
    points.push({
      t: (b * BUCKET_MS + widthMs / 2) / 1000,
      completedPerSecond: completed[b]! / seconds,
      failedPerSecond: failed[b]! / seconds,
      outputTokensPerSecond: tokens[b]! / seconds,
      inFlight: busyMs[b]! / widthMs,
    });
  }
  return points;
}
