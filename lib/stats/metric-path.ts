/**
 * Metric paths: the names that thresholds (`run --threshold`) and compare's
 * rules (`--fail-on`) use for one number of a run: `ttft.p99`,
 * `total_time.mean`, `tokens_per_second.p50`, `error_rate`,
 * `requests_per_second`, `errors.timeout`; in a run with conversations, any
 * of them for one turn index: `turn2.ttft.p50`, `turn1.error_rate`. One
 * resolver serves both, so a path means the same thing everywhere.
 */
import { UsageError } from '../record/errors.ts';
import { ERROR_KINDS, type ErrorKind } from '../record/record.ts';
import { millis, seconds } from '../util/format.ts';
import { mean, percentileOfSorted, sampleStd } from './stats.ts';
import { SAMPLE_METRICS, type MetricSamples, type RunSummary, type SampleMetric } from './summary.ts';
import type { ServerMetricsBlock } from '../server-metrics/block.ts';
import {
  parseServerPath,
  serverMetricValue,
  serverPathBetter,
  serverPathName,
  serverPathUnit,
  type ServerSelector,
} from '../server-metrics/server-path.ts';

export type Better = 'lower' | 'higher';
export type MetricUnit = 'seconds' | 'ratio' | 'per_second' | 'count';

/** A statistic of a per-request distribution: a percentile (0..100) or a named one. */
export type SampleStat = { percentile: number } | { named: 'mean' | 'min' | 'max' | 'std' };

/** `turn`: the metric over one turn index's requests only (1-based), in a run with conversations. */
export type MetricRef = (
  | { kind: 'sample'; path: string; metric: SampleMetric; stat: SampleStat; unit: MetricUnit; better: Better }
  | { kind: 'scalar'; path: string; key: ScalarKey; unit: MetricUnit; better: Better }
  | { kind: 'errors'; path: string; errorKind: ErrorKind; unit: 'count'; better: 'lower' }
  | { kind: 'server'; path: string; selector: ServerSelector; unit: MetricUnit; better: Better }
) & { turn?: number };

/** What a metric is read from: a run's summary and its per-request samples, and each turn index's (conversations). */
export interface MetricSource {
  summary: RunSummary;
  samples: MetricSamples;
  turns?: ReadonlyMap<number, { summary: RunSummary; samples: MetricSamples }>;
  /** The server's own metrics, when the run scraped them. */
  server?: ServerMetricsBlock;
}

const SCALARS = {
  error_rate: { unit: 'ratio', better: 'lower' },
  success_rate: { unit: 'ratio', better: 'higher' },
  requests_per_second: { unit: 'per_second', better: 'higher' },
  output_tokens_per_second: { unit: 'per_second', better: 'higher' },
  wall_time: { unit: 'seconds', better: 'lower' },
  failed_count: { unit: 'count', better: 'lower' },
  success_count: { unit: 'count', better: 'higher' },
  total_requests: { unit: 'count', better: 'higher' },
  output_tokens: { unit: 'count', better: 'higher' },
} as const satisfies Record<string, { unit: MetricUnit; better: Better }>;
type ScalarKey = keyof typeof SCALARS;

const ALIASES: Record<string, string> = { e2e: 'total_time', throughput: 'requests_per_second', rps: 'requests_per_second' };
const NAMED_STATS = ['mean', 'min', 'max', 'std'] as const;

const EXAMPLES =
  'ttft.p95, total_time.mean, tpot.p50, tokens_per_second.p50, error_rate, requests_per_second, errors.timeout, turn2.ttft.p50, server.vllm:num_requests_waiting.max';

const TURN_PREFIX = /^turn(\d+)\.(.+)$/;

/** Resolves a path such as `ttft.p99` or `turn2.ttft.p99`; a UsageError names what is wrong and what would work. */
export function resolveMetricPath(input: string): MetricRef {
  // Server metric names keep their case (Prometheus names are case-sensitive).
  if (/^\s*server\./i.test(input)) {
    const selector = parseServerPath(input.trim().replace(/^server\./i, 'server.'));
    if (typeof selector === 'string') throw new UsageError(`bad server metric "${input.trim()}": ${selector}`);
    return { kind: 'server', path: serverPathName(selector), selector, unit: serverPathUnit(selector), better: serverPathBetter(selector) };
  }
  const turned = TURN_PREFIX.exec(input.trim().toLowerCase());
  if (turned) {
    const turn = Number(turned[1]);
    if (!(turn >= 1)) throw new UsageError(`metric "${input}": turns are numbered from 1 (turn1.ttft.p50)`);
    const ref = resolveRunMetric(turned[2] as string, input);
    return { ...ref, path: `turn${turn}.${ref.path}`, turn };
  }
  return resolveRunMetric(input, input);
}

/** `input` is the whole path as written, for messages. */
function resolveRunMetric(text: string, input: string): MetricRef {
  const path = text.trim().toLowerCase();
  const [head = '', ...rest] = path.split('.');
  const name = ALIASES[head] ?? head;
  if (name in SCALARS && rest.length === 0) {
    const key = name as ScalarKey;
    return { kind: 'scalar', path: key, key, ...SCALARS[key] };
  }
  if (name === 'errors' && rest.length === 1) {
    const errorKind = rest[0] as ErrorKind;
    if (!ERROR_KINDS.includes(errorKind)) {
      throw new UsageError(`unknown error kind in metric "${input}": use one of ${ERROR_KINDS.join(', ')}`);
    }
    return { kind: 'errors', path: `errors.${errorKind}`, errorKind, unit: 'count', better: 'lower' };
  }
  if ((SAMPLE_METRICS as readonly string[]).includes(name)) {
    const metric = name as SampleMetric;
    const statText = rest.join('.');
    const stat = parseStat(statText);
    if (!stat) {
      throw new UsageError(
        `metric "${input}" needs a statistic: ${metric}.p50 (any percentile pN, e.g. p99.9), .mean, .min, .max or .std`,
      );
    }
    const unit: MetricUnit = metric === 'tokens_per_second' ? 'per_second' : 'seconds';
    const better: Better = metric === 'tokens_per_second' ? 'higher' : 'lower';
    return { kind: 'sample', path: `${metric}.${statName(stat)}`, metric, stat, unit, better };
  }
  throw new UsageError(`unknown metric "${input}": use e.g. ${EXAMPLES}`);
}

function parseStat(text: string): SampleStat | undefined {
  if (text === 'median') return { percentile: 50 };
  if ((NAMED_STATS as readonly string[]).includes(text)) return { named: text as (typeof NAMED_STATS)[number] };
  const match = /^p(\d+(?:\.\d+)?)$/.exec(text);
  if (!match) return undefined;
  const percentile = Number(match[1]);
  return percentile >= 0 && percentile <= 100 ? { percentile } : undefined;
}

export function statName(stat: SampleStat): string {
  return 'percentile' in stat ? `p${stat.percentile}` : stat.named;
}

/** The statistic over an ascending sample; undefined for an empty one. */
export function statOfSorted(sorted: Float64Array, stat: SampleStat): number | undefined {
  if (sorted.length === 0) return undefined;
  if ('percentile' in stat) return percentileOfSorted(sorted, stat.percentile);
  switch (stat.named) {
    case 'mean':
      return mean(sorted);
    case 'min':
      return sorted[0];
    case 'max':
      return sorted[sorted.length - 1];
    case 'std':
      return sampleStd(sorted);
  }
}

/** The metric's value for a run; undefined when the run has no data for it (e.g. no successful request). */
export function metricValue(ref: MetricRef, run: MetricSource): number | undefined {
  const source = sourceOf(ref, run);
  if (!source) return undefined;
  const { summary } = source;
  switch (ref.kind) {
    case 'sample':
      return statOfSorted(Float64Array.from(source.samples[ref.metric]).sort(), ref.stat);
    case 'errors':
      return summary.errors[ref.errorKind] ?? 0;
    case 'server':
      return serverMetricValue(run.server, ref.selector);
    case 'scalar':
      if (ref.key === 'error_rate') return summary.total_requests > 0 ? summary.failed_count / summary.total_requests : undefined;
      if (ref.key === 'success_rate') return summary.total_requests > 0 ? summary.success_rate : undefined;
      return summary[ref.key];
  }
}

/** The summary and samples a metric is read from: the run's, or its turn's (undefined when the run has no such turn). */
export function sourceOf(ref: MetricRef, run: MetricSource): Pick<MetricSource, 'summary' | 'samples'> | undefined {
  return ref.turn === undefined ? run : run.turns?.get(ref.turn);
}

/** A value in the metric's unit, for people: 0.234s, 12.50ms, 1.2%, 45.10/s, 17. */
export function formatMetric(ref: MetricRef, value: number): string {
  switch (ref.unit) {
    case 'seconds':
      // Per-token times are milliseconds; whole-request times read better in seconds.
      return ref.kind === 'sample' && (ref.metric === 'tpot' || ref.metric === 'itl') ? millis(value) : seconds(value);
    case 'ratio':
      return `${(value * 100).toFixed(2)}%`;
    case 'per_second':
      return `${value.toFixed(2)}/s`;
    case 'count':
      return String(Math.round(value * 100) / 100);
  }
}
