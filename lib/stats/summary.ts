/**
 * The run summary: counts and distributions derived from request records.
 * Pure: the same records always give the same summary (run, summarize and
 * compare all call this). Failed requests are counted by kind and never enter
 * a latency distribution. Durations are in seconds.
 */
import { BlockArray } from '../record/block-array.ts';
import { describeSorted, type Distribution } from './stats.ts';
import { GoodputCounter, type Goodput, type Slo } from './goodput.ts';
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
import type { ErrorKind, Records, RequestRecord } from '../record/record.ts';
import { TimeseriesBuilder } from './timeseries.ts';
import { WorkloadStatsBuilder, type WorkloadStats } from './workload-stats.ts';

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
  /** Measured requests sent without streaming (`"stream": false`, or a non-streaming endpoint): no TTFT, TPOT or ITL. */
  non_streaming?: number;
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
  /** With a workload (prompt lengths, output lengths asked for): requested against actual (stats/workload-stats.ts). */
  workload?: WorkloadStats;
}

/** Reports warn above this send lag p99 (seconds): requests went out later than scheduled. */
export const SEND_LAG_WARN_SECONDS = 0.01;

export function sendLagTooHigh(summary: Pick<RunSummary, 'send_lag'>): boolean {
  return (summary.send_lag?.p99 ?? 0) > SEND_LAG_WARN_SECONDS;
}

/** The per-request metrics that have distributions, in report order. */
export const SAMPLE_METRICS = ['ttfb', 'ttft', 'ttfat', 'total_time', 'tpot', 'itl', 'max_stall', 'tokens_per_second'] as const;
export type SampleMetric = (typeof SAMPLE_METRICS)[number];

/** Per-request values of each sample metric over the successful measured requests (ITL: every gap), in seconds, sorted ascending (which request gave which value is not kept). */
export type MetricSamples = Record<SampleMetric, Float64Array>;

/** Failed and warm-up requests are left out. */
export function collectSamples(records: Records): MetricSamples {
  const lists = sampleLists();
  for (const r of records) addSamples(lists, r);
  return toSamples(lists);
}

/**
 * Samples while they are collected: in blocks, so a long run's 1.5 million
 * ITL gaps grow without leaving outgrown copies behind, then copied once into
 * exact-size arrays.
 */
type SampleLists = Record<SampleMetric, NumberList>;
type NumberList = BlockArray<Float64Array>;

/** 16,384 values (128 KB) a block. */
const numberList = (): NumberList => new BlockArray(Float64Array, 14);

function sampleLists(): SampleLists {
  return Object.fromEntries(SAMPLE_METRICS.map((key) => [key, numberList()])) as SampleLists;
}

/** Each metric's values sorted ascending, as typed arrays: a long run's 1.5 million ITL gaps are 12 MB, copied once. */
function toSamples(lists: SampleLists): MetricSamples {
  return Object.fromEntries(SAMPLE_METRICS.map((key) => [key, lists[key].sortedCopy()])) as MetricSamples;
}

function addSamples(samples: SampleLists, r: RequestRecord): void {
  if (r.error || r.warmup) return;
  const push = (key: SampleMetric, value: number | undefined) => {
    if (value !== undefined) samples[key].push(value);
  };
  push('ttfb', ttfb(r));
  push('ttft', ttft(r));
  push('ttfat', ttfat(r));
  push('total_time', totalTime(r));
  push('tpot', tpot(r));
  push('max_stall', maxStall(r));
  push('tokens_per_second', tokensPerSecond(r));
  for (const gap of interTokenLatencies(r)) samples.itl.push(gap);
}

export interface SummarizeOptions {
  slo?: Slo;
  /** collectSamples of the same records, when the caller already has them. */
  samples?: MetricSamples;
}

/** Warm-up records (record.warmup) are counted in warmup_requests and left out of everything else. */
export function summarize(records: Records, options: SummarizeOptions = {}): RunSummary {
  return summarizeWithSamples(records, options).summary;
}

/** summarize, also returning the samples it was built from (collectSamples of the same records). */
export function summarizeWithSamples(records: Records, options: SummarizeOptions = {}): { summary: RunSummary; samples: MetricSamples } {
  const builder = new SummaryBuilder(options);
  for (const r of records) builder.add(r);
  return builder.finish();
}

type ScheduleLag = Pick<RunSummary, 'send_lag' | 'ttft_from_intended' | 'total_time_from_intended'>;

/**
 * summarize() one record at a time: one pass over a run's records collects
 * everything (they may be materialized one by one from a RecordStore).
 */
export class SummaryBuilder {
  /** options.samples, or collected here. */
  private readonly given: MetricSamples | undefined;
  private readonly lists: SampleLists | undefined;
  private readonly goodput: GoodputCounter | undefined;
  /** Output tokens over time, for the peak second. */
  private readonly series = new TimeseriesBuilder(1);
  private readonly workload = new WorkloadStatsBuilder();
  private measured = 0;
  private warmups = 0;
  private success = 0;
  private tokens = 0;
  private inputTokens = 0;
  private truncated = 0;
  private retries = 0;
  private recovered = 0;
  private first = Infinity;
  private last = -Infinity;
  private readonly errors: Partial<Record<ErrorKind, number>> = {};
  private readonly errorSamples: Partial<Record<ErrorKind, string>> = {};
  private readonly errorCodes: Record<string, number> = {};
  private readonly sources: Record<TokenSource, number> = { usage: 0, tokenizer: 0, events: 0 };
  private readonly mismatch = { requests: 0, usage_tokens: 0, event_tokens: 0 };
  /** Send lag of every measured request, and latencies from the intended send: reported when any lag is not 0. */
  private readonly lags = numberList();
  private lagged = false;
  private readonly ttftsFromIntended = numberList();
  private readonly totalsFromIntended = numberList();
  private nonStreaming = 0;

  constructor(options: SummarizeOptions = {}) {
    this.given = options.samples;
    this.lists = options.samples ? undefined : sampleLists();
    this.goodput = options.slo ? new GoodputCounter(options.slo) : undefined;
  }

  add(r: RequestRecord): void {
    if (r.warmup) {
      this.warmups++;
      return;
    }
    this.measured++;
    if (r.nonStreaming) this.nonStreaming++;
    this.workload.add(r);
    if (this.lists) addSamples(this.lists, r);
    this.series.add(r);
    this.goodput?.add(r);
    const lag = sendLag(r);
    this.lags.push(lag);
    if (lag !== 0) this.lagged = true;
    const fromIntended = ttftFromIntended(r);
    if (fromIntended !== undefined) this.ttftsFromIntended.push(fromIntended);
    const totalFromIntended = totalTimeFromIntended(r);
    if (totalFromIntended !== undefined) this.totalsFromIntended.push(totalFromIntended);

    if (r.startedAt < this.first) this.first = r.startedAt;
    if (r.endedAt > this.last) this.last = r.endedAt;
    if (r.attempt !== undefined) this.retries++;
    if (r.error) {
      const kind = r.error.kind;
      this.errors[kind] = (this.errors[kind] ?? 0) + 1;
      this.errorSamples[kind] ??= r.error.message;
      if (r.error.code !== undefined) this.errorCodes[r.error.code] = (this.errorCodes[r.error.code] ?? 0) + 1;
      return;
    }
    this.success++;
    if (r.attempt !== undefined) this.recovered++;
    this.tokens += outputTokens(r);
    this.inputTokens += r.usage?.inputTokens ?? 0;
    this.sources[outputTokenSource(r)]++;
    if (truncated(r)) this.truncated++;
    if (tokenCountMismatch(r)) {
      this.mismatch.requests++;
      this.mismatch.usage_tokens += r.usage?.outputTokens ?? 0;
      this.mismatch.event_tokens += r.tokenTimes.length;
    }
  }

  finish(): { summary: RunSummary; samples: MetricSamples } {
    const { success, tokens, retries } = this;
    const samples = this.given ?? toSamples(this.lists as SampleLists);
    // Retries are attempts, not requests: a request succeeds at most once, so failed = requests - successes.
    const total = this.measured - retries;
    const wall = total > 0 ? Math.max(0, this.last - this.first) / 1000 : 0;
    const summary: RunSummary = {
      total_requests: total,
      success_count: success,
      failed_count: total - success,
      success_rate: total > 0 ? success / total : 0,
      truncated_count: this.truncated,
      wall_time: wall,
      requests_per_second: wall > 0 ? success / wall : 0,
      output_tokens: tokens,
      output_tokens_per_second: wall > 0 ? tokens / wall : 0,
      peak_output_tokens_per_second: this.peakTokensPerSecond(),
      input_tokens: this.inputTokens,
      token_sources: this.sources,
      token_count_mismatch: this.mismatch,
      errors: this.errors,
      error_samples: this.errorSamples,
      error_codes: this.errorCodes,
    };
    for (const key of SAMPLE_METRICS) {
      const distribution = describeSorted(samples[key]);
      if (distribution) summary[key] = distribution;
    }
    if (retries > 0) Object.assign(summary, { retries, recovered_by_retry: this.recovered });
    if (this.warmups > 0) summary.warmup_requests = this.warmups;
    if (this.nonStreaming > 0) summary.non_streaming = this.nonStreaming;
    Object.assign(summary, this.scheduleLag());
    if (this.goodput) summary.goodput = this.goodput.finish(wall);
    const workload = this.workload.finish();
    if (workload) summary.workload = workload;
    return { summary, samples };
  }

  private scheduleLag(): ScheduleLag {
    if (!this.lagged) return {};
    const out: ScheduleLag = { send_lag: describeSorted(this.lags.sortedCopy()) };
    if (this.ttftsFromIntended.length > 0) out.ttft_from_intended = describeSorted(this.ttftsFromIntended.sortedCopy());
    if (this.totalsFromIntended.length > 0) out.total_time_from_intended = describeSorted(this.totalsFromIntended.sortedCopy());
    return out;
  }

  /**
   * The fullest 1 s bucket of output tokens (bucket k = [k, k+1) s since the
   * run's origin), from the time series, which spreads each successful request's
   * output tokens over its token events.
   */
  private peakTokensPerSecond(): number {
    let peak = 0;
    for (const bucket of this.series.finish().buckets) if (bucket.output_tokens > peak) peak = bucket.output_tokens;
    return peak;
  }
}
