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
  outputTokens,
  sendLag,
  tokensPerSecond,
  totalTime,
  totalTimeFromIntended,
  tpot,
  ttfat,
  ttfb,
  ttft,
  ttftFromIntended,
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

export interface SummarizeOptions {
  slo?: Slo;
}

/** Warm-up records (record.warmup) are counted in warmup_requests and left out of everything else. */
export function summarize(allRecords: readonly RequestRecord[], options: SummarizeOptions = {}): RunSummary {
  const records = allRecords.some((r) => r.warmup) ? allRecords.filter((r) => !r.warmup) : allRecords;
  let success = 0;
  let tokens = 0;
  let first = Infinity;
  let last = -Infinity;
  const errors: Partial<Record<ErrorKind, number>> = {};
  const errorSamples: Partial<Record<ErrorKind, string>> = {};
  const series = { ttfb: [], ttft: [], ttfat: [], total_time: [], tpot: [], itl: [], tokens_per_second: [] } as Record<
    'ttfb' | 'ttft' | 'ttfat' | 'total_time' | 'tpot' | 'itl' | 'tokens_per_second',
    number[]
  >;
  const push = (key: keyof typeof series, value: number | undefined) => {
    if (value !== undefined) series[key].push(value);
  };

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
    push('ttfb', ttfb(r));
    push('ttft', ttft(r));
    push('ttfat', ttfat(r));
    push('total_time', totalTime(r));
    push('tpot', tpot(r));
    push('tokens_per_second', tokensPerSecond(r));
    for (const gap of interTokenLatencies(r)) series.itl.push(gap);
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
  for (const key of Object.keys(series) as Array<keyof typeof series>) {
    const distribution = describe(series[key]);
    if (distribution) summary[key] = distribution;
  }
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
