/**
 * The run summary: counts and distributions derived from request records.
 * Pure: the same records always give the same summary (run, summarize and
 * compare all call this). Failed requests are counted by kind and never enter
 * a latency distribution. Durations are in seconds.
 */
import { describe, type Distribution } from './stats.ts';
import { goodput, type Goodput, type Slo } from './goodput.ts';
import {
  interTokenLatencies,
  maxStall,
  outputTokens,
  outputTokenSource,
  sendLag,
  tokenCountMismatch,
  tokensPerSecond,
  totalTime,
  totalTimeFromIntended,
  tpot,
  truncated,
  ttfat,
  ttfb,
  ttft,
  ttftFromIntended,
  type TokenSource,
} from './metrics.ts';
import type { ErrorKind, RequestRecord } from './record.ts';
import { timeseries } from './timeseries.ts';

export interface RunSummary {
  /** Requests, each counted once however many times it was retried. */
  total_requests: number;
  /** Requests whose last attempt succeeded. */
  success_count: number;
  /** Requests whose last attempt failed. */
  failed_count: number;
  /** success_count / total_requests, 0..1 (0 when there are no requests). */
  success_rate: number;
  /** Successful requests whose stream ended without its protocol's end marker (counted in success_count too). */
  truncated_count: number;
  /** Earliest request start to latest request end, seconds. */
  wall_time: number;
  /** Completed successful requests / wall_time. */
  requests_per_second: number;
  /** Sum of output tokens over successful requests. */
  output_tokens: number;
  /** output_tokens / wall_time. */
  output_tokens_per_second: number;
  /** The most output tokens that arrived within one 1 s bucket of the run (bucket k = [k, k+1) s since the run's origin). */
  peak_output_tokens_per_second: number;
  /** Sum of server-reported input tokens over successful requests that reported them. */
  input_tokens: number;
  /** How many successful requests took their output-token count from each source. */
  token_sources: Record<TokenSource, number>;
  /** Successful requests whose server-reported output tokens differ from the token events counted. */
  token_count_mismatch: { requests: number; usage_tokens: number; event_tokens: number };
  ttfb?: Distribution;
  ttft?: Distribution;
  ttfat?: Distribution;
  total_time?: Distribution;
  tpot?: Distribution;
  itl?: Distribution;
  max_stall?: Distribution;
  tokens_per_second?: Distribution;
  /** Failed attempts by kind: every first failure, retried or not, and every failed retry. */
  errors: Partial<Record<ErrorKind, number>>;
  /** With --retries, when any was sent: retry attempts sent (not requests). */
  retries?: number;
  /** Requests whose first attempt failed and a retry succeeded (counted in success_count, their first failure in errors). */
  recovered_by_retry?: number;
  /** The first error message of each kind, to show what went wrong. */
  error_samples: Partial<Record<ErrorKind, string>>;
  /** Provider error types or codes of in-stream errors (e.g. overloaded_error), counted. */
  error_codes: Record<string, number>;
  /** Warm-up requests left out of every statistic above (present when there were any). */
  warmup_requests?: number;
  /**
   * Open loop only (present when any request was sent later than scheduled):
   * send lag (actual - intended send, every sent request) and latencies
   * measured from the intended send, which include that lag.
   */
  send_lag?: Distribution;
  ttft_from_intended?: Distribution;
  total_time_from_intended?: Distribution;
  /** With SLOs: requests meeting every one. */
  goodput?: Goodput;
}

/** The per-request metrics that have distributions, in report order. */
export const SAMPLE_METRICS = ['ttfb', 'ttft', 'ttfat', 'total_time', 'tpot', 'itl', 'max_stall', 'tokens_per_second'] as const;
export type SampleMetric = (typeof SAMPLE_METRICS)[number];

/** Per-request values of each sample metric over the successful measured requests (ITL: every gap), in seconds. */
export type MetricSamples = Record<SampleMetric, number[]>;

/** Failed and warm-up requests are left out. */
export function collectSamples(records: readonly RequestRecord[]): MetricSamples {
  const samples: MetricSamples = {
    ttfb: [],
    ttft: [],
    ttfat: [],
    total_time: [],
    tpot: [],
    itl: [],
    max_stall: [],
    tokens_per_second: [],
  };
  const push = (key: SampleMetric, value: number | undefined) => {
    if (value !== undefined) samples[key].push(value);
  };
  for (const r of records) {
    if (r.error || r.warmup) continue;
    push('ttfb', ttfb(r));
    push('ttft', ttft(r));
    push('ttfat', ttfat(r));
    push('total_time', totalTime(r));
    push('tpot', tpot(r));
    push('max_stall', maxStall(r));
    push('tokens_per_second', tokensPerSecond(r));
    for (const gap of interTokenLatencies(r)) samples.itl.push(gap);
  }
  return samples;
}

export interface SummarizeOptions {
  slo?: Slo;
  /** collectSamples of the same records, when the caller already has them. */
  samples?: MetricSamples;
}

/** Warm-up records (record.warmup) are counted in warmup_requests and left out of everything else. */
export function summarize(allRecords: readonly RequestRecord[], options: SummarizeOptions = {}): RunSummary {
  const records = allRecords.some((r) => r.warmup) ? allRecords.filter((r) => !r.warmup) : allRecords;
  const samples = options.samples ?? collectSamples(records);
  let success = 0;
  let tokens = 0;
  let inputTokens = 0;
  let truncatedCount = 0;
  let retries = 0;
  let recovered = 0;
  let first = Infinity;
  let last = -Infinity;
  const errors: Partial<Record<ErrorKind, number>> = {};
  const errorSamples: Partial<Record<ErrorKind, string>> = {};
  const errorCodes: Record<string, number> = {};
  const sources: Record<TokenSource, number> = { usage: 0, tokenizer: 0, events: 0 };
  const mismatch = { requests: 0, usage_tokens: 0, event_tokens: 0 };

  for (const r of records) {
    if (r.startedAt < first) first = r.startedAt;
    if (r.endedAt > last) last = r.endedAt;
    if (r.attempt !== undefined) retries++;
    if (r.error) {
      const kind = r.error.kind;
      errors[kind] = (errors[kind] ?? 0) + 1;
      errorSamples[kind] ??= r.error.message;
      if (r.error.code !== undefined) errorCodes[r.error.code] = (errorCodes[r.error.code] ?? 0) + 1;
      continue;
    }
    success++;
    if (r.attempt !== undefined) recovered++;
    tokens += outputTokens(r);
    inputTokens += r.usage?.inputTokens ?? 0;
    sources[outputTokenSource(r)]++;
    if (truncated(r)) truncatedCount++;
    if (tokenCountMismatch(r)) {
      mismatch.requests++;
      mismatch.usage_tokens += r.usage?.outputTokens ?? 0;
      mismatch.event_tokens += r.tokenTimes.length;
    }
  }

  // Retries are attempts, not requests: a request succeeds at most once, so failed = requests - successes.
  const total = records.length - retries;
  const wall = total > 0 ? Math.max(0, last - first) / 1000 : 0;
  const summary: RunSummary = {
    total_requests: total,
    success_count: success,
    failed_count: total - success,
    success_rate: total > 0 ? success / total : 0,
    truncated_count: truncatedCount,
    wall_time: wall,
    requests_per_second: wall > 0 ? success / wall : 0,
    output_tokens: tokens,
    output_tokens_per_second: wall > 0 ? tokens / wall : 0,
    peak_output_tokens_per_second: peakTokensPerSecond(records),
    input_tokens: inputTokens,
    token_sources: sources,
    token_count_mismatch: mismatch,
    errors,
    error_samples: errorSamples,
    error_codes: errorCodes,
  };
  for (const key of SAMPLE_METRICS) {
    const distribution = describe(samples[key]);
    if (distribution) summary[key] = distribution;
  }
  if (retries > 0) Object.assign(summary, { retries, recovered_by_retry: recovered });
  if (records.length < allRecords.length) summary.warmup_requests = allRecords.length - records.length;
  Object.assign(summary, scheduleLag(records));
  if (options.slo) summary.goodput = goodput(records, options.slo, wall);
  return summary;
}

function scheduleLag(records: readonly RequestRecord[]): Pick<RunSummary, 'send_lag' | 'ttft_from_intended' | 'total_time_from_intended'> {
  const lags = records.map(sendLag);
  if (!lags.some((lag) => lag !== 0)) return {};
  const out: Pick<RunSummary, 'send_lag' | 'ttft_from_intended' | 'total_time_from_intended'> = { send_lag: describe(lags) };
  const ttfts = records.map(ttftFromIntended).filter((v): v is number => v !== undefined);
  const totals = records.map(totalTimeFromIntended).filter((v): v is number => v !== undefined);
  if (ttfts.length > 0) out.ttft_from_intended = describe(ttfts);
  if (totals.length > 0) out.total_time_from_intended = describe(totals);
  return out;
}

/**
 * The fullest 1 s bucket of output tokens (bucket k = [k, k+1) s since the
 * run's origin), from the time series, which spreads each successful request's
 * output tokens over its token events.
 */
function peakTokensPerSecond(records: readonly RequestRecord[]): number {
  let peak = 0;
  for (const bucket of timeseries(records, 1).buckets) if (bucket.output_tokens > peak) peak = bucket.output_tokens;
  return peak;
}
