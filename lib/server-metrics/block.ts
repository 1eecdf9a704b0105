/**
 * The results file's `server_metrics` block: per scraped endpoint, per metric
 * (labels kept), statistics over the run and the series over time on the
 * run's clock. Versioned on its own, so it can grow without moving the
 * results schema. docs/server-metrics.md defines every field.
 */
import type { ServerKind } from './catalog.ts';

export const SERVER_METRICS_VERSION = 1;

export interface ServerMetricsBlock {
  version: typeof SERVER_METRICS_VERSION;
  /** Seconds between periodic scrapes. */
  interval_seconds: number;
  endpoints: EndpointMetrics[];
}

export type Labels = Record<string, string>;

export interface GaugeStats {
  min: number | null;
  max: number | null;
  /** Time-weighted mean: each scrape's value holds until the next scrape. */
  avg: number | null;
  last: number | null;
}

export interface CounterStats {
  /** Increase from the first to the last successful scrape (a drop counts as a restart from 0); null with fewer than 2 scrapes. */
  delta: number | null;
  /** delta / seconds between those two scrapes. */
  rate: number | null;
}

export interface HistogramStats {
  /** Increase of the observation count and sum over the run. */
  count: number | null;
  sum: number | null;
  /** The increase of each cumulative bucket, as [le as exposed, increase]; the last is "+Inf". */
  buckets: Array<[string, number]>;
  /** histogram_quantile over the bucket increases; null when the run observed nothing. */
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface SummaryStats {
  count: number | null;
  sum: number | null;
  /** The last scrape's quantiles, as exposed (the server's own window, not the run's). */
  quantiles: Record<string, number | null>;
}

interface MetricBase<T extends string, S> {
  type: T;
  help?: string;
  series: Array<{ labels: Labels } & S>;
  /** Over all label sets, when there are several: gauges summed per scrape, counters and buckets added. */
  total?: S;
}

export type GaugeMetric = MetricBase<'gauge', GaugeStats> & { declared?: string };
export type CounterMetric = MetricBase<'counter', CounterStats>;
export type HistogramMetric = MetricBase<'histogram', HistogramStats>;
export type SummaryMetric = MetricBase<'summary', SummaryStats>;
export type MetricSummary = GaugeMetric | CounterMetric | HistogramMetric | SummaryMetric;

export interface ScrapeFailure {
  /** Seconds on the run's clock. */
  t: number;
  error: string;
}

export interface EndpointMetrics {
  url: string;
  /** Which server its metric names say it is (null: none we know). */
  server: ServerKind | null;
  scrapes: {
    ok: number;
    failed: number;
    /** Seconds on the run's clock of the first and last successful scrape. */
    first_t: number | null;
    last_t: number | null;
    /** Both the scrape right before the first request and the one right after the last succeeded: deltas cover exactly the run. */
    covers_run: boolean;
  };
  /** The failed scrapes, in order (at most MAX_FAILURES; `failures_omitted` counts the rest). */
  failures: ScrapeFailure[];
  failures_omitted?: number;
  /** Lines that were not valid exposition (summed over scrapes). */
  invalid_lines?: number;
  metrics: Record<string, MetricSummary>;
  timeseries: ServerTimeseries;
}

export type TimeseriesStat = 'value' | 'increase' | 'count' | 'sum';

export interface ServerTimeseries {
  /** Seconds on the run's clock (0 = the load's origin, as the client's timeseries), one per successful scrape. */
  t: number[];
  /** gauges: `value`; counters: `increase` since the first scrape; histograms and summaries: `count` and `sum` increases. */
  series: Array<{ metric: string; labels: Labels; stat: TimeseriesStat; values: Array<number | null> }>;
  /** Series left out past MAX_TIMESERIES (metrics we know by name come first). */
  omitted?: number;
}

/** What the periodic scrapes (those while requests were in flight) cost the load's event loop: the self-check shows it. */
export interface ScrapeCost {
  scrapes: number;
  /** Time the scraper's own code held the event loop (decoding, parsing, recording), ms. */
  busy_ms: number;
  /** Its longest single hold, ms: the most a token timestamp could have been delayed by a scrape. */
  max_block_ms: number;
  bytes: number;
}
