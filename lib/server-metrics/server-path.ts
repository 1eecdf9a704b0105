/**
 * Metric paths into the server_metrics block, for thresholds and compare:
 *
 *   server[.N].<metric>[{label=value,...}].<stat>
 *
 * e.g. `server.vllm:num_requests_waiting.max` (the largest queue depth),
 * `server.vllm:time_to_first_token_seconds.p99`,
 * `server.1.vllm:generation_tokens_total.rate`,
 * `server.vllm:request_success_total{finished_reason=length}.delta`.
 * N is the endpoint's index (0-based, as given); without it, the first
 * endpoint that has the metric. Without labels, a metric with several label
 * sets is read over all of them (gauges summed per scrape, counters added).
 * Stats: gauges min, max, avg, last; counters delta, rate; histograms count,
 * sum, mean, and any percentile pN from the bucket increases; summaries
 * count, sum, mean.
 */
import type { EndpointMetrics, Labels, MetricSummary, ServerMetricsBlock } from './block.ts';
import { knownNames, ROLE_BETTER, ROLE_KINDS } from './catalog.ts';
import { bucketQuantile } from './summarize.ts';

export interface ServerSelector {
  endpoint?: number;
  metric: string;
  labels?: Labels;
  stat: string;
}

const NAMED_STATS = ['min', 'max', 'avg', 'last', 'delta', 'rate', 'count', 'sum', 'mean'] as const;
const PATH = /^server(?:\.(\d+))?\.([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\.([a-z]+|p\d+(?:\.\d+)?)$/;

/** The selector a path names, or a message saying what is wrong. */
export function parseServerPath(text: string): ServerSelector | string {
  const match = PATH.exec(text.trim());
  if (!match) return `expected server[.N].<metric>[{label=value}].<stat>, e.g. server.vllm:num_requests_waiting.max`;
  const [, endpoint, metric = '', labelText, stat = ''] = match;
  if (!(NAMED_STATS as readonly string[]).includes(stat) && !/^p\d/.test(stat)) {
    return `unknown statistic "${stat}": use ${NAMED_STATS.join(', ')} or a percentile such as p99`;
  }
  if (/^p/.test(stat) && !(Number(stat.slice(1)) <= 100)) return `percentile ${stat} is above p100`;
  const selector: ServerSelector = { metric, stat };
  if (endpoint !== undefined) selector.endpoint = Number(endpoint);
  if (labelText) {
    const labels: Labels = {};
    for (const pair of labelText.slice(1, -1).split(',')) {
      if (pair.trim() === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) return `bad label selector "${pair.trim()}": write name=value`;
      labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    }
    selector.labels = labels;
  }
  return selector;
}

/** The canonical spelling of a selector, for rule rows and messages. */
export function serverPathName(selector: ServerSelector): string {
  const labels = selector.labels ? `{${Object.entries(selector.labels).map(([k, v]) => `${k}=${v}`).join(',')}}` : '';
  return `server${selector.endpoint !== undefined ? `.${selector.endpoint}` : ''}.${selector.metric}${labels}.${selector.stat}`;
}

/** The unit of a selector's number: seconds for latency histograms, a ratio for KV-cache usage, else a count or a rate. */
export function serverPathUnit(selector: ServerSelector): 'seconds' | 'ratio' | 'per_second' | 'count' {
  if (selector.stat === 'rate') return 'per_second';
  if (['delta', 'count'].includes(selector.stat)) return 'count';
  const role = knownNames().get(selector.metric)?.role;
  if (role && ROLE_KINDS[role] === 'ratio') return 'ratio';
  return /_(seconds|duration)$/.test(selector.metric) ? 'seconds' : 'count';
}

export function serverPathBetter(selector: ServerSelector): 'lower' | 'higher' {
  const role = knownNames().get(selector.metric)?.role;
  return role ? ROLE_BETTER[role] : 'lower';
}

/** The selector's value in a run's block; undefined when the run has no such number. */
export function serverMetricValue(block: ServerMetricsBlock | undefined, selector: ServerSelector): number | undefined {
  if (!block) return undefined;
  const endpoints: Array<EndpointMetrics | undefined> = selector.endpoint !== undefined ? [block.endpoints[selector.endpoint]] : block.endpoints;
  for (const endpoint of endpoints) {
    const metric = endpoint?.metrics[selector.metric];
    if (metric) return statOf(metric, selector);
  }
  return undefined;
}

function statOf(metric: MetricSummary, selector: ServerSelector): number | undefined {
  const stats = pick(metric, selector.labels) as Record<string, unknown> | undefined;
  if (!stats) return undefined;
  const { stat } = selector;
  const number = (key: string) => (typeof stats[key] === 'number' ? (stats[key] as number) : undefined);
  if (metric.type === 'histogram' || metric.type === 'summary') {
    if (stat === 'mean') {
      const count = number('count');
      const sum = number('sum');
      return count && sum !== undefined ? sum / count : undefined;
    }
    if (metric.type === 'histogram' && /^p\d/.test(stat)) {
      return bucketQuantile(Number(stat.slice(1)) / 100, stats.buckets as Array<[string, number]>) ?? undefined;
    }
  }
  return number(stat);
}

function pick(metric: MetricSummary, labels: Labels | undefined): object | undefined {
  const series = metric.series as Array<{ labels: Labels }>;
  if (!labels) return series.length === 1 ? series[0] : metric.total;
  const matches = series.filter((s) => Object.entries(labels).every(([key, value]) => s.labels[key] === value));
  return matches.length === 1 ? matches[0] : undefined;
}
