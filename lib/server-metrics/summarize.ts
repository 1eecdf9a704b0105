/**
 * From an endpoint's raw scrapes to the results block: pure functions.
 *
 * - gauge (and untyped, info, stateset): min, max, time-weighted avg, last;
 * - counter: delta (increase from the first to the last scrape, a drop taken
 *   as a restart from 0, as PromQL's increase() without extrapolation) and
 *   rate (delta per second between those scrapes);
 * - histogram: the increase of every bucket, of count and sum, and p50/p90/p99
 *   by histogram_quantile over the bucket increases;
 * - summary: count and sum increases, the last scrape's quantiles.
 * Times are put on the run's clock: seconds since the load's origin.
 */
import type { MetricType } from './exposition.ts';
import { histogramQuantile, type Bucket } from './histogram-quantile.ts';
import { detectServer, knownNames } from './catalog.ts';
import type { ScrapeSeries, SeriesColumn } from './scrape-series.ts';
import {
  SERVER_METRICS_VERSION,
  type CounterStats,
  type EndpointMetrics,
  type GaugeStats,
  type HistogramStats,
  type Labels,
  type MetricSummary,
  type ServerMetricsBlock,
  type ServerTimeseries,
  type SummaryStats,
  type TimeseriesStat,
} from './block.ts';

export interface EndpointRecord {
  url: string;
  series: ScrapeSeries;
  /** performance.now() of each failed scrape, and why. */
  failures: Array<{ at: number; error: string }>;
  invalidLines: number;
  /** The scrape right before the first request and the one right after the last succeeded. */
  coversRun: boolean;
}

/** Failures kept in the results per endpoint; the rest are counted. */
export const MAX_FAILURES = 100;
/** Series kept in an endpoint's timeseries (known metrics first); the rest are counted. */
export const MAX_TIMESERIES = 300;

export function buildServerMetricsBlock(records: readonly EndpointRecord[], originMs: number, intervalSeconds: number): ServerMetricsBlock {
  return { version: SERVER_METRICS_VERSION, interval_seconds: intervalSeconds, endpoints: records.map((r) => summarizeEndpoint(r, originMs)) };
}

export function summarizeEndpoint(record: EndpointRecord, originMs: number): EndpointMetrics {
  const { series } = record;
  const t = series.times.map((at) => runClock(at, originMs));
  const groups = groupColumns(series);
  const metrics: Record<string, MetricSummary> = {};
  for (const [name, group] of groups) metrics[name] = summarizeGroup(group, t);
  const endpoint: EndpointMetrics = {
    url: record.url,
    server: detectServer(Object.keys(metrics)),
    scrapes: {
      ok: t.length,
      failed: record.failures.length,
      first_t: t[0] ?? null,
      last_t: t[t.length - 1] ?? null,
      covers_run: record.coversRun,
    },
    failures: record.failures.slice(0, MAX_FAILURES).map((f) => ({ t: runClock(f.at, originMs), error: f.error })),
    metrics,
    timeseries: timeseriesOf(groups, t),
  };
  if (record.failures.length > MAX_FAILURES) endpoint.failures_omitted = record.failures.length - MAX_FAILURES;
  if (record.invalidLines > 0) endpoint.invalid_lines = record.invalidLines;
  return endpoint;
}

// ---- grouping ----

type Role = 'value' | 'bucket' | 'count' | 'sum' | 'quantile';

interface Group {
  type: 'gauge' | 'counter' | 'histogram' | 'summary';
  declared: MetricType;
  help?: string;
  /** Label sets (without le / quantile) in first-seen order, each with its columns. */
  sets: Map<string, { labels: Labels; columns: Array<{ role: Role; column: SeriesColumn; bound?: string }> }>;
}

/**
 * Metrics by the name people query them by: counters and gauges by their
 * sample name (`vllm:generation_tokens_total`), histograms and summaries by
 * their family (`vllm:time_to_first_token_seconds`).
 */
function groupColumns(series: ScrapeSeries): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const column of series.columns.values()) {
    const family = series.families.get(column.family);
    const declared = family?.type ?? 'untyped';
    const type: Group['type'] = declared === 'counter' || declared === 'histogram' || declared === 'summary' ? declared : 'gauge';
    const name = type === 'histogram' || type === 'summary' ? column.family : column.name;
    let group = groups.get(name);
    if (!group) {
      group = { type, declared, sets: new Map() };
      if (family?.help) group.help = family.help;
      groups.set(name, group);
    }
    const role = roleOf(type, column);
    const { le, quantile } = column.labels;
    const labels = type === 'histogram' ? withoutKey(column.labels, 'le') : type === 'summary' ? withoutKey(column.labels, 'quantile') : column.labels;
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
    let set = group.sets.get(key);
    if (!set) group.sets.set(key, (set = { labels, columns: [] }));
    set.columns.push({ role, column, bound: role === 'bucket' ? le : role === 'quantile' ? quantile : undefined });
  }
  return groups;
}

function roleOf(type: Group['type'], column: SeriesColumn): Role {
  if (type === 'histogram') {
    if (column.name.endsWith('_bucket')) return 'bucket';
    if (column.name.endsWith('_count')) return 'count';
    if (column.name.endsWith('_sum')) return 'sum';
  }
  if (type === 'summary') {
    if (column.name.endsWith('_count')) return 'count';
    if (column.name.endsWith('_sum')) return 'sum';
    return 'quantile';
  }
  return 'value';
}

function withoutKey(labels: Labels, key: string): Labels {
  if (!(key in labels)) return labels;
  const { [key]: _dropped, ...rest } = labels;
  return rest;
}

// ---- statistics ----

function summarizeGroup(group: Group, t: readonly number[]): MetricSummary {
  const sets = [...group.sets.values()];
  const help = group.help === undefined ? {} : { help: group.help };
  switch (group.type) {
    case 'gauge': {
      const series = sets.map((set) => ({ labels: set.labels, ...gaugeStats(valuesOf(set, 'value'), t) }));
      const metric: MetricSummary = { type: 'gauge', ...help, series };
      if (group.declared !== 'gauge') metric.declared = group.declared;
      if (sets.length > 1) metric.total = gaugeStats(addUp(sets.map((set) => valuesOf(set, 'value'))), t);
      return metric;
    }
    case 'counter': {
      const series = sets.map((set) => ({ labels: set.labels, ...counterStats(valuesOf(set, 'value'), t) }));
      const metric: MetricSummary = { type: 'counter', ...help, series };
      if (sets.length > 1) metric.total = addCounters(series);
      return metric;
    }
    case 'histogram': {
      const series = sets.map((set) => ({ labels: set.labels, ...histogramStats(set) }));
      const metric: MetricSummary = { type: 'histogram', ...help, series };
      if (sets.length > 1) metric.total = addHistograms(series);
      return metric;
    }
    case 'summary': {
      const series = sets.map((set) => ({ labels: set.labels, ...summaryStats(set) }));
      return { type: 'summary', ...help, series };
    }
  }
}

function valuesOf(set: { columns: Array<{ role: Role; column: SeriesColumn }> }, role: Role): number[] {
  return set.columns.find((c) => c.role === role)?.column.values ?? [];
}

/** Per-scrape sum over several series; NaN only where all are absent. */
function addUp(columns: readonly number[][]): number[] {
  const length = Math.max(0, ...columns.map((c) => c.length));
  return Array.from({ length }, (_, i) => {
    let sum = 0;
    let any = false;
    for (const column of columns) {
      const value = column[i];
      if (value !== undefined && !Number.isNaN(value)) {
        sum += value;
        any = true;
      }
    }
    return any ? sum : NaN;
  });
}

export function gaugeStats(values: readonly number[], t: readonly number[]): GaugeStats {
  let min = Infinity;
  let max = -Infinity;
  let last: number | null = null;
  let weighted = 0;
  let weight = 0;
  let plainSum = 0;
  let plainCount = 0;
  let previous: { value: number; t: number } | undefined;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) continue;
    min = Math.min(min, value);
    max = Math.max(max, value);
    last = value;
    plainSum += value;
    plainCount++;
    const at = t[i]!;
    if (previous) {
      weighted += previous.value * (at - previous.t);
      weight += at - previous.t;
    }
    previous = { value, t: at };
  }
  if (plainCount === 0) return { min: null, max: null, avg: null, last: null };
  const avg = weight > 0 ? weighted / weight : plainSum / plainCount;
  return { min, max, avg: tidy(avg), last };
}

/** PromQL's increase() between the first and last present values, without extrapolation; null with fewer than 2. */
export function increase(values: readonly number[]): number | null {
  let total = 0;
  let previous: number | undefined;
  let seen = 0;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    seen++;
    if (previous !== undefined) total += value >= previous ? value - previous : value;
    previous = value;
  }
  return seen >= 2 ? tidy(total) : null;
}

export function counterStats(values: readonly number[], t: readonly number[]): CounterStats {
  const delta = increase(values);
  const present = values.flatMap((value, i) => (Number.isFinite(value) ? [t[i]!] : []));
  const seconds = present.length >= 2 ? present[present.length - 1]! - present[0]! : 0;
  return { delta, rate: delta !== null && seconds > 0 ? tidy(delta / seconds) : null };
}

function addCounters(series: readonly CounterStats[]): CounterStats {
  const add = (pick: (s: CounterStats) => number | null) => {
    const values = series.map(pick).filter((v): v is number => v !== null);
    return values.length > 0 ? tidy(values.reduce((a, b) => a + b, 0)) : null;
  };
  return { delta: add((s) => s.delta), rate: add((s) => s.rate) };
}

function histogramStats(set: { columns: Array<{ role: Role; column: SeriesColumn; bound?: string }> }): HistogramStats {
  const buckets: Array<[string, number]> = set.columns
    .filter((c) => c.role === 'bucket' && c.bound !== undefined)
    .map((c) => [c.bound!, increase(c.column.values) ?? 0] as [string, number])
    .sort((a, b) => boundOf(a[0]) - boundOf(b[0]));
  const countIncrease = increase(valuesOf(set, 'count'));
  const sumIncrease = increase(valuesOf(set, 'sum'));
  return { count: countIncrease, sum: sumIncrease, buckets, ...quantilesOf(buckets) };
}

function addHistograms(series: readonly HistogramStats[]): HistogramStats {
  const byBound = new Map<string, number>();
  for (const s of series) for (const [le, count] of s.buckets) byBound.set(le, (byBound.get(le) ?? 0) + count);
  const buckets = [...byBound].sort((a, b) => boundOf(a[0]) - boundOf(b[0]));
  const add = (pick: (s: HistogramStats) => number | null) => {
    const values = series.map(pick).filter((v): v is number => v !== null);
    return values.length > 0 ? tidy(values.reduce((a, b) => a + b, 0)) : null;
  };
  return { count: add((s) => s.count), sum: add((s) => s.sum), buckets, ...quantilesOf(buckets) };
}

function quantilesOf(buckets: ReadonlyArray<[string, number]>): Pick<HistogramStats, 'p50' | 'p90' | 'p99'> {
  return { p50: bucketQuantile(0.5, buckets), p90: bucketQuantile(0.9, buckets), p99: bucketQuantile(0.99, buckets) };
}

/** histogram_quantile over stored [le, count] bucket increases; null when it has no answer. */
export function bucketQuantile(q: number, buckets: ReadonlyArray<readonly [string, number]>): number | null {
  const value = histogramQuantile(q, toBuckets(buckets));
  return Number.isFinite(value) ? tidy(value) : null;
}

export function toBuckets(buckets: ReadonlyArray<readonly [string, number]>): Bucket[] {
  return buckets.map(([le, count]) => ({ upperBound: boundOf(le), count }));
}

function summaryStats(set: { columns: Array<{ role: Role; column: SeriesColumn; bound?: string }> }): SummaryStats {
  const quantiles: Record<string, number | null> = {};
  for (const c of set.columns) {
    if (c.role !== 'quantile' || c.bound === undefined) continue;
    const present = c.column.values.filter(Number.isFinite);
    quantiles[c.bound] = present.length > 0 ? present[present.length - 1]! : null;
  }
  return { count: increase(valuesOf(set, 'count')), sum: increase(valuesOf(set, 'sum')), quantiles };
}

function boundOf(le: string): number {
  const lower = le.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  const value = Number(le);
  return Number.isNaN(value) ? Infinity : value;
}

// ---- over time ----

function timeseriesOf(groups: Map<string, Group>, t: readonly number[]): ServerTimeseries {
  const known = knownNames();
  const ordered = [...groups].sort(([a], [b]) => Number(known.has(b)) - Number(known.has(a)));
  const series: ServerTimeseries['series'] = [];
  let omitted = 0;
  const push = (metric: string, labels: Labels, stat: TimeseriesStat, values: readonly number[]) => {
    if (series.length >= MAX_TIMESERIES) {
      omitted++;
      return;
    }
    series.push({ metric, labels, stat, values: stat === 'value' ? values.map(orNull) : runningIncrease(values) });
  };
  for (const [name, group] of ordered) {
    for (const set of group.sets.values()) {
      if (group.type === 'gauge') push(name, set.labels, 'value', valuesOf(set, 'value'));
      else if (group.type === 'counter') push(name, set.labels, 'increase', valuesOf(set, 'value'));
      else {
        push(name, set.labels, 'count', valuesOf(set, 'count'));
        push(name, set.labels, 'sum', valuesOf(set, 'sum'));
      }
    }
  }
  const out: ServerTimeseries = { t: [...t], series };
  if (omitted > 0) out.omitted = omitted;
  return out;
}

/** The increase since the first present value, at each scrape (null where absent). */
function runningIncrease(values: readonly number[]): Array<number | null> {
  let total = 0;
  let previous: number | undefined;
  return values.map((value) => {
    if (!Number.isFinite(value)) return null;
    if (previous !== undefined) total += value >= previous ? value - previous : value;
    previous = value;
    return tidy(total);
  });
}

function runClock(atMs: number, originMs: number): number {
  return Math.round(atMs - originMs) / 1000;
}

const orNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** Twelve significant digits: sums of float increments stay readable (0.1 + 0.2 is 0.3). */
function tidy(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(12)) : value;
}
