/**
 * Load over time for the charts: completed and failed requests per second,
 * output tokens per second and requests in flight, per time bucket. Taken from
 * the results' `timeseries` when the run recorded one; otherwise derived from
 * the per-request rows by the same function that records it. Pure.
 */
import { rowToRecord, type MetricRow, type Timeseries } from './results.ts';
import { timeseries } from '../stats/timeseries.ts';

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

export function loadOverTime(rows: readonly MetricRow[], recorded?: Timeseries): LoadOverTime {
  const derived = !recorded || recorded.buckets.length === 0;
  // Files written before runs recorded a series: derive the same series from the rows.
  const series = derived ? timeseries(rows.map(rowToRecord)) : recorded;
  const width = series.bucket_seconds;
  return {
    derived,
    points: series.buckets.map((b) => ({
      t: b.t + width / 2,
      completedPerSecond: b.completed / width,
      failedPerSecond: b.failed / width,
      outputTokensPerSecond: b.output_tokens / width,
      inFlight: b.in_flight,
    })),
  };
}
