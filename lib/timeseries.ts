/**
 * The run over time: fixed buckets (1 s by default) counting requests started,
 * completed and failed, output tokens received, and the mean number in flight.
 * A pure function of the records (warm-up included: it shows the whole run),
 * so a results file's series can always be recomputed from its rows.
 *
 * - started / completed / failed: by the bucket holding `started` / `ended`.
 * - output_tokens: each successful request's output tokens, spread over its
 *   token events (usage count / events per event), by arrival time.
 * - in_flight: time-weighted mean of requests in flight over the part of the
 *   bucket inside the run (so a short last bucket is not diluted).
 */
import { outputTokens } from './metrics.ts';
import type { RequestRecord } from './record.ts';

export interface TimeseriesBucket {
  /** Bucket start, seconds since the run's origin. */
  t: number;
  started: number;
  completed: number;
  failed: number;
  output_tokens: number;
  in_flight: number;
}

export interface Timeseries {
  bucket_seconds: number;
  buckets: TimeseriesBucket[];
}

export function timeseries(records: readonly RequestRecord[], bucketSeconds = 1): Timeseries {
  if (!(bucketSeconds > 0)) throw new RangeError(`bucket size must be positive, got ${bucketSeconds}`);
  if (records.length === 0) return { bucket_seconds: bucketSeconds, buckets: [] };
  const size = bucketSeconds * 1000;
  let runStart = Infinity;
  let runEnd = -Infinity;
  for (const r of records) {
    runStart = Math.min(runStart, r.startedAt);
    runEnd = Math.max(runEnd, r.endedAt);
  }
  const firstIndex = Math.floor(runStart / size);
  const count = Math.floor(runEnd / size) - firstIndex + 1;
  const buckets: TimeseriesBucket[] = Array.from({ length: count }, (_, i) => ({
    t: round3((firstIndex + i) * bucketSeconds),
    started: 0,
    completed: 0,
    failed: 0,
    output_tokens: 0,
    in_flight: 0,
  }));
  const at = (ms: number) => buckets[Math.floor(ms / size) - firstIndex] as TimeseriesBucket;
  const busyMs = new Float64Array(count);

  for (const r of records) {
    at(r.startedAt).started++;
    if (r.error) at(r.endedAt).failed++;
    else {
      at(r.endedAt).completed++;
      const perEvent = r.tokenTimes.length > 0 ? outputTokens(r) / r.tokenTimes.length : 0;
      for (const time of r.tokenTimes) at(time).output_tokens += perEvent;
    }
    const last = Math.floor(r.endedAt / size) - firstIndex;
    for (let i = Math.floor(r.startedAt / size) - firstIndex; i <= last; i++) {
      const from = Math.max(r.startedAt, (firstIndex + i) * size);
      const to = Math.min(r.endedAt, (firstIndex + i + 1) * size);
      busyMs[i] = (busyMs[i] as number) + Math.max(0, to - from);
    }
  }

  buckets.forEach((bucket, i) => {
    const from = Math.max(runStart, (firstIndex + i) * size);
    const to = Math.min(runEnd, (firstIndex + i + 1) * size);
    bucket.in_flight = to > from ? round3((busyMs[i] as number) / (to - from)) : 0;
    bucket.output_tokens = round3(bucket.output_tokens);
  });
  return { bucket_seconds: bucketSeconds, buckets };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
