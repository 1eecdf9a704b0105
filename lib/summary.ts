/**
 * The run summary: counts and distributions derived from request records.
 * Pure: the same records always give the same summary (run, summarize and
 * compare all call this). Failed requests are counted by kind and never enter
 * a latency distribution. Durations are in seconds.
 */
import { describe, type Distribution } from './stats.ts';
import {
  interTokenLatencies,
  outputTokens,
  tokensPerSecond,
  totalTime,
  tpot,
  ttfat,
  ttfb,
  ttft,
} from './metrics.ts';
import type { ErrorKind, RequestRecord } from './record.ts';

export interface RunSummary {
  total_requests: number;
  success_count: number;
  failed_count: number;
  /** success_count / total_requests, 0..1 (0 when there are no requests). */
  success_rate: number;
  /** Earliest request start to latest request end, seconds. */
  wall_time: number;
  /** Completed successful requests / wall_time. */
  requests_per_second: number;
  /** Sum of output tokens over successful requests. */
  output_tokens: number;
  /** output_tokens / wall_time. */
  output_tokens_per_second: number;
  ttfb?: Distribution;
  ttft?: Distribution;
  ttfat?: Distribution;
  total_time?: Distribution;
  tpot?: Distribution;
  itl?: Distribution;
  tokens_per_second?: Distribution;
  errors: Partial<Record<ErrorKind, number>>;
  /** The first error message of each kind, to show what went wrong. */
  error_samples: Partial<Record<ErrorKind, string>>;
}

/** The per-request metrics that have distributions, in report order. */
export const SAMPLE_METRICS = ['ttfb', 'ttft', 'ttfat', 'total_time', 'tpot', 'itl', 'tokens_per_second'] as const;
export type SampleMetric = (typeof SAMPLE_METRICS)[number];

/** Per-request values of each sample metric over the successful requests (ITL: every gap), in seconds. */
export type MetricSamples = Record<SampleMetric, number[]>;

export function collectSamples(records: readonly RequestRecord[]): MetricSamples {
  const samples: MetricSamples = { ttfb: [], ttft: [], ttfat: [], total_time: [], tpot: [], itl: [], tokens_per_second: [] };
  const push = (key: SampleMetric, value: number | undefined) => {
    if (value !== undefined) samples[key].push(value);
  };
  for (const r of records) {
    if (r.error) continue;
    push('ttfb', ttfb(r));
    push('ttft', ttft(r));
    push('ttfat', ttfat(r));
    push('total_time', totalTime(r));
    push('tpot', tpot(r));
    push('tokens_per_second', tokensPerSecond(r));
    for (const gap of interTokenLatencies(r)) samples.itl.push(gap);
  }
  return samples;
}

/** `samples` may be passed when the caller already collected them from the same records. */
export function summarize(records: readonly RequestRecord[], samples: MetricSamples = collectSamples(records)): RunSummary {
  let success = 0;
  let tokens = 0;
  let first = Infinity;
  let last = -Infinity;
  const errors: Partial<Record<ErrorKind, number>> = {};
  const errorSamples: Partial<Record<ErrorKind, string>> = {};

  for (const r of records) {
    if (r.startedAt < first) first = r.startedAt;
    if (r.endedAt > last) last = r.endedAt;
    if (r.error) {
      const kind = r.error.kind;
      errors[kind] = (errors[kind] ?? 0) + 1;
      errorSamples[kind] ??= r.error.message;
      continue;
    }
    success++;
    tokens += outputTokens(r);
  }

  const total = records.length;
  const wall = total > 0 ? Math.max(0, last - first) / 1000 : 0;
  const summary: RunSummary = {
    total_requests: total,
    success_count: success,
    failed_count: total - success,
    success_rate: total > 0 ? success / total : 0,
    wall_time: wall,
    requests_per_second: wall > 0 ? success / wall : 0,
    output_tokens: tokens,
    output_tokens_per_second: wall > 0 ? tokens / wall : 0,
    errors,
    error_samples: errorSamples,
  };
  for (const key of SAMPLE_METRICS) {
    const distribution = describe(samples[key]);
    if (distribution) summary[key] = distribution;
  }
  return summary;
}
