/**
 * The run over time: fixed buckets (1 s by default) counting requests started,
 * completed and failed, output tokens received, and the mean number in flight.
 * A pure function of the records (warm-up included: it shows the whole run),
 * so a results file's series can always be recomputed from its rows.
 *
 * - started / completed / failed: by the bucket holding `started` / `ended`.
 * - output_tokens: each successful request's output tokens, spread over its
 *   token events (usage count / events per event), by arrival time; a
 *   non-streaming answer's all at its end, when they arrived.
 * - in_flight: time-weighted mean of requests in flight over the part of the
 *   bucket inside the run (so a short last bucket is not diluted).
 */
import { outputTokens } from './metrics.ts';
import type { Records, RequestRecord } from '../record/record.ts';

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

export function timeseries(records: Records, bucketSeconds = 1): Timeseries {
  const series = new TimeseriesBuilder(bucketSeconds);
  for (const record of records) series.add(record);
  return series.finish();
}

/** timeseries() one record at a time, for a caller already passing over the records. */
export class TimeseriesBuilder {
  private readonly size: number;
  /** Bucket index (floor(ms / size)) of slot 0 of the arrays below. */
  private firstIndex = 0;
  private started: number[] = [];
  private completed: number[] = [];
  private failed: number[] = [];
  private outputTokens: number[] = [];
  private busyMs: number[] = [];
  private runStart = Infinity;
  private runEnd = -Infinity;

  constructor(private readonly bucketSeconds = 1) {
    if (!(bucketSeconds > 0)) throw new RangeError(`bucket size must be positive, got ${bucketSeconds}`);
    this.size = bucketSeconds * 1000;
  }

  add(r: RequestRecord): void {
    const size = this.size;
    this.runStart = Math.min(this.runStart, r.startedAt);
    this.runEnd = Math.max(this.runEnd, r.endedAt);
    const first = Math.floor(r.startedAt / size);
    const last = Math.floor(r.endedAt / size);
    this.cover(first, last);
    this.bump(this.started, first, 1);
    if (r.error) this.bump(this.failed, last, 1);
    else {
      this.bump(this.completed, last, 1);
      const perEvent = r.tokenTimes.length > 0 ? outputTokens(r) / r.tokenTimes.length : 0;
      for (const time of r.tokenTimes) {
        const index = Math.floor(time / size);
        this.cover(index, index);
        this.bump(this.outputTokens, index, perEvent);
      }
      if (r.tokenTimes.length === 0 && r.nonStreaming) this.bump(this.outputTokens, last, outputTokens(r));
    }
    for (let index = first; index <= last; index++) {
      const from = Math.max(r.startedAt, index * size);
      const to = Math.min(r.endedAt, (index + 1) * size);
      this.bump(this.busyMs, index, Math.max(0, to - from));
    }
  }

  finish(): Timeseries {
    const { size, bucketSeconds, firstIndex } = this;
    if (this.runStart === Infinity) return { bucket_seconds: bucketSeconds, buckets: [] };
    const buckets: TimeseriesBucket[] = this.started.map((started, i) => {
      const from = Math.max(this.runStart, (firstIndex + i) * size);
      const to = Math.min(this.runEnd, (firstIndex + i + 1) * size);
      return {
        t: round3((firstIndex + i) * bucketSeconds),
        started,
        completed: this.completed[i] as number,
        failed: this.failed[i] as number,
        output_tokens: round3(this.outputTokens[i] as number),
        in_flight: to > from ? round3((this.busyMs[i] as number) / (to - from)) : 0,
      };
    });
    return { bucket_seconds: bucketSeconds, buckets };
  }

  private bump(column: number[], bucketIndex: number, amount: number): void {
    const slot = bucketIndex - this.firstIndex;
    column[slot] = (column[slot] as number) + amount;
  }

  /** Extends the buckets to hold bucket indexes first..last (records come roughly in time order: mostly appends). */
  private cover(from: number, to: number): void {
    const first = Math.min(from, to);
    const last = Math.max(from, to);
    // Called per token: the common case (already covered) allocates nothing.
    if (first >= this.firstIndex && last < this.firstIndex + this.started.length) return;
    this.extend(first, last);
  }

  private extend(first: number, last: number): void {
    let end = this.firstIndex + this.started.length;
    if (this.started.length === 0) end = this.firstIndex = first;
    const columns = [this.started, this.completed, this.failed, this.outputTokens, this.busyMs];
    for (; end <= last; end++) for (const column of columns) column.push(0);
    if (first < this.firstIndex) {
      const zeros = new Array<number>(this.firstIndex - first).fill(0);
      this.started = zeros.concat(this.started);
      this.completed = zeros.concat(this.completed);
      this.failed = zeros.concat(this.failed);
      this.outputTokens = zeros.concat(this.outputTokens);
      this.busyMs = zeros.concat(this.busyMs);
      this.firstIndex = first;
    }
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
