/**
 * The report's "Server" section: what the server's own metrics said during
 * the run, as one entry of the report's section list (sections.ts, drawn by
 * every format), and its charts for the HTML report. Pure. Metrics known by name (lib/server-metrics/catalog.ts) get a row each;
 * the server's TTFT stands beside the client's, and their difference is named
 * as time outside the engine (network, gateway, client). Other metrics that
 * moved during the run are listed raw.
 */
import type { EndpointMetrics, GaugeStats, HistogramStats, MetricSummary, ServerMetricsBlock } from '../server-metrics/block.ts';
import { findRole, knownNames, ROLES, SERVER_TITLES, type Role } from '../server-metrics/catalog.ts';
import { quantileBucket } from '../server-metrics/histogram-quantile.ts';
import { toBuckets } from '../server-metrics/summarize.ts';
import { millis, seconds } from '../util/format.ts';
import type { Lang } from './i18n.ts';
import type { Block, ReportSection, TableRow } from './report-blocks.ts';
import type { ReportData } from './report-data.ts';
import { colorAt, xyChart, type XYSeries } from './svg-chart.ts';

/** What the client measured, to set beside the server's numbers. */
export interface ClientView {
  ttft?: { p50: number; p99: number; mean: number };
  outputTokens?: number;
}

const LABELS = {
  en: {
    server: 'Server',
    scrapes: '{ok} scrapes, {failed} failed',
    unknown: 'server not known by its metric names',
    running: 'Running requests',
    waiting: 'Waiting requests',
    kv_cache_usage: 'KV-cache usage',
    preemptions: 'Preemptions',
    prompt_tokens: 'Prompt tokens',
    generation_tokens: 'Generation tokens',
    requests_finished: 'Requests finished',
    ttft: 'TTFT',
    itl: 'Inter-token latency',
    e2e: 'E2E latency',
    queue_time: 'Queue time',
    serverTtft: 'TTFT, server',
    clientTtft: 'TTFT, client',
    outside: 'Outside the engine (client - server)',
    clientCounted: 'client counted {n}',
    bucketNote: 'server percentiles are estimated from its histogram buckets (P50 within {p50}, P99 within {p99}); the mean is exact',
    partial: 'the scrape right before the first request or right after the last failed: deltas cover only part of the run',
    failures: 'failed scrapes: {n} (first at {t}s: {error})',
    noScrape: 'no successful scrape',
    other: 'Other metrics that moved',
    more: '... and {n} more in the results file (server_metrics)',
    chartQueue: 'Server: running and waiting requests over time',
    chartKv: 'Server: KV-cache usage over time',
    chartTokens: 'Server: generation tokens/s over time',
    axisTime: 'Time since start (s)',
    axisRequests: 'Requests',
    axisUsage: 'Usage (%)',
    axisTokPerSec: 'tokens/s',
    clientInFlight: 'client in flight',
    clientTokens: 'client output tokens/s',
    metric: 'Metric',
    value: 'Value',
    source: 'From',
  },
  zh: {
    server: '服务端',
    scrapes: '抓取 {ok} 次，失败 {failed} 次',
    unknown: '未能从指标名识别服务端',
    running: '运行中请求',
    waiting: '排队请求',
    kv_cache_usage: 'KV 缓存占用',
    preemptions: '抢占次数',
    prompt_tokens: '输入 Token',
    generation_tokens: '生成 Token',
    requests_finished: '完成请求',
    ttft: 'TTFT',
    itl: 'Token 间延迟',
    e2e: '端到端延迟',
    queue_time: '排队时间',
    serverTtft: 'TTFT（服务端）',
    clientTtft: 'TTFT（客户端）',
    outside: '引擎外耗时（客户端 - 服务端）',
    clientCounted: '客户端计数 {n}',
    bucketNote: '服务端分位数由直方图桶估算（P50 位于 {p50}，P99 位于 {p99}）；均值是精确的',
    partial: '首个请求前或最后一个请求后的抓取失败：增量只覆盖部分运行',
    failures: '抓取失败：{n} 次（首次在 {t} 秒：{error}）',
    noScrape: '没有成功的抓取',
    other: '其他有变化的指标',
    more: '……另有 {n} 项见结果文件（server_metrics）',
    chartQueue: '服务端：运行中与排队请求随时间变化',
    chartKv: '服务端：KV 缓存占用随时间变化',
    chartTokens: '服务端：生成 Token/秒 随时间变化',
    axisTime: '自开始的时间 (秒)',
    axisRequests: '请求数',
    axisUsage: '占用 (%)',
    axisTokPerSec: 'Token/秒',
    clientInFlight: '客户端并发中',
    clientTokens: '客户端输出 Token/秒',
    metric: '指标',
    value: '值',
    source: '来源',
  },
} as const;
type ServerLabels = (typeof LABELS)['en'] | (typeof LABELS)['zh'];

const fill = (template: string, values: Record<string, string | number>) => template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key]));

export interface ServerRow {
  label: string;
  value: string;
  /** The metric it comes from. */
  metric: string;
}

export interface EndpointView {
  title: string;
  status: string;
  warnings: string[];
  rows: ServerRow[];
  ttft?: ServerRow[];
  ttftNote?: string;
  other: ServerRow[];
}

/** The numbers each format shows, for one endpoint. */
export function endpointView(endpoint: EndpointMetrics, client: ClientView, lang: Lang): EndpointView {
  const L = LABELS[lang];
  const server = endpoint.server;
  const view: EndpointView = {
    title: `${server ? SERVER_TITLES[server] : L.unknown} · ${endpoint.url}`,
    status: fill(L.scrapes, { ok: endpoint.scrapes.ok, failed: endpoint.scrapes.failed }),
    warnings: [],
    rows: [],
    other: [],
  };
  if (endpoint.scrapes.ok === 0) view.warnings.push(L.noScrape);
  else if (!endpoint.scrapes.covers_run) view.warnings.push(L.partial);
  const first = endpoint.failures[0];
  if (first) view.warnings.push(fill(L.failures, { n: endpoint.scrapes.failed, t: first.t.toFixed(1), error: first.error }));

  const has = (name: string) => endpoint.metrics[name] !== undefined;
  if (server) {
    for (const role of ROLES) {
      const found = findRole(server, role, has);
      if (!found || role === 'ttft') continue;
      const value = roleValue(endpoint.metrics[found.name]!, found.kind, role, client, L);
      if (value) view.rows.push({ label: L[role], value, metric: found.name });
    }
    const ttft = findRole(server, 'ttft', has);
    if (ttft) Object.assign(view, ttftRows(endpoint.metrics[ttft.name]!, ttft.name, client, L));
  }
  const known = knownNames();
  for (const [name, metric] of Object.entries(endpoint.metrics)) {
    if (known.has(name)) continue;
    const moved = movedValue(metric);
    if (moved) view.other.push({ label: name, value: moved, metric: name });
  }
  return view;
}

function statsOf<T>(metric: MetricSummary): T | undefined {
  return (metric.total ?? metric.series[0]) as T | undefined;
}

function roleValue(metric: MetricSummary, kind: string, role: Role, client: ClientView, L: ServerLabels): string | undefined {
  if (metric.type === 'gauge' && (kind === 'gauge' || kind === 'ratio')) {
    // A ratio (KV-cache usage) is not added over engines: the fullest one is shown.
    const stats = kind === 'ratio' ? fullest(metric.series) : statsOf<GaugeStats>(metric);
    if (!stats || stats.max === null) return undefined;
    const f = kind === 'ratio' ? (v: number) => `${(v * 100).toFixed(1)}%` : (v: number) => trim(v);
    return `max ${f(stats.max)}, avg ${f(stats.avg!)}, last ${f(stats.last!)}`;
  }
  let delta: number | null | undefined;
  let rate: number | null | undefined;
  if (metric.type === 'counter') {
    const stats = statsOf<{ delta: number | null; rate: number | null }>(metric);
    delta = stats?.delta;
    rate = stats?.rate;
  } else if (metric.type === 'histogram' && kind === 'histogram_sum') {
    delta = statsOf<HistogramStats>(metric)?.sum;
  } else if (metric.type === 'histogram') {
    const stats = statsOf<HistogramStats>(metric);
    if (!stats || !stats.count) return undefined;
    const f = role === 'itl' ? millis : seconds;
    return `P50 ${orDash(stats.p50, f)}  P90 ${orDash(stats.p90, f)}  P99 ${orDash(stats.p99, f)}  mean ${f(stats.sum! / stats.count)}  (n=${trim(stats.count)})`;
  }
  if (delta === null || delta === undefined) return undefined;
  let text = trim(delta);
  if (rate !== null && rate !== undefined) text += ` (${rate.toFixed(1)}/s)`;
  if (role === 'generation_tokens' && client.outputTokens !== undefined) text += `; ${fill(L.clientCounted, { n: client.outputTokens })}`;
  return text;
}

function fullest(series: ReadonlyArray<GaugeStats>): GaugeStats | undefined {
  return [...series].sort((a, b) => (b.max ?? -Infinity) - (a.max ?? -Infinity))[0];
}

function ttftRows(metric: MetricSummary, name: string, client: ClientView, L: ServerLabels): Pick<EndpointView, 'ttft' | 'ttftNote'> {
  const stats = metric.type === 'histogram' ? statsOf<HistogramStats>(metric) : undefined;
  if (!stats || !stats.count || stats.p50 === null || stats.p99 === null || stats.sum === null) return {};
  const server = { p50: stats.p50, p99: stats.p99, mean: stats.sum / stats.count };
  const line = (d: { p50: number; p99: number; mean: number }, f: (v: number) => string) => `P50 ${f(d.p50)}  P99 ${f(d.p99)}  mean ${f(d.mean)}`;
  const rows: ServerRow[] = [{ label: L.serverTtft, value: `${line(server, seconds)}  (n=${trim(stats.count)})`, metric: name }];
  if (client.ttft) {
    const c = client.ttft;
    rows.push({ label: L.clientTtft, value: line(c, seconds), metric: 'ttft' });
    const signed = (v: number) => `${v >= 0 ? '+' : '-'}${millis(Math.abs(v))}`;
    // The percentiles' differences carry the server's bucket error (≈); the means' is exact.
    const value = `P50 ≈${signed(c.p50 - server.p50)}  P99 ≈${signed(c.p99 - server.p99)}  mean ${signed(c.mean - server.mean)}`;
    rows.push({ label: L.outside, value, metric: `ttft - ${name}` });
  }
  const buckets = toBuckets(stats.buckets);
  const range = (q: number) => {
    const bounds = quantileBucket(q, buckets);
    return bounds ? `${seconds(bounds[0])}-${seconds(bounds[1])}` : '?';
  };
  return { ttft: rows, ttftNote: fill(L.bucketNote, { p50: range(0.5), p99: range(0.99) }) };
}

/** A raw metric's change over the run, or undefined when it did not move. */
function movedValue(metric: MetricSummary): string | undefined {
  switch (metric.type) {
    case 'gauge': {
      const s = statsOf<GaugeStats>(metric);
      return s && s.min !== null && s.min !== s.max ? `min ${trim(s.min)}, max ${trim(s.max!)}, last ${trim(s.last!)}` : undefined;
    }
    case 'counter': {
      const s = statsOf<{ delta: number | null; rate: number | null }>(metric);
      return s?.delta ? `+${trim(s.delta)}${s.rate !== null ? ` (${s.rate.toFixed(2)}/s)` : ''}` : undefined;
    }
    case 'histogram': {
      const s = statsOf<HistogramStats>(metric);
      return s?.count ? `n=${trim(s.count)}, P50 ${orDash(s.p50, trim)}, P99 ${orDash(s.p99, trim)}, mean ${trim(s.sum! / s.count)}` : undefined;
    }
    case 'summary': {
      const s = metric.series[0];
      return s?.count ? `n=${trim(s.count)}, sum +${trim(s.sum ?? 0)}` : undefined;
    }
  }
}

const orDash = (value: number | null, f: (v: number) => string) => (value === null ? '-' : f(value));
const trim = (value: number) => (Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4))));

// ---- the section (sections.ts): every format draws it ----

const OTHER_LIMIT = 20;

function clientView(data: ReportData): ClientView {
  const ttft = data.summary.ttft;
  return { ttft: ttft ? { p50: ttft.p50, p99: ttft.p99, mean: ttft.mean } : undefined, outputTokens: data.summary.output_tokens };
}

/** One block group per scraped endpoint: its title and scrapes, warnings, the rows known by name, and the metrics that moved. */
export const serverSection: ReportSection = {
  id: 'server',
  build(data, labels) {
    const block = data.server;
    if (!block || block.endpoints.length === 0) return undefined;
    const lang = labels.lang as Lang;
    const L = LABELS[lang];
    const views = block.endpoints.map((endpoint) => endpointView(endpoint, clientView(data), lang));
    const single = views.length === 1;
    const blocks: Block[] = [];
    const table = (id: string, rows: readonly ServerRow[]): Block => ({
      kind: 'table',
      id,
      header: [L.metric, L.value, L.source],
      rows: rows.map((row): TableRow => ({ key: row.metric, cells: [row.label, row.value, row.metric] })),
      textColumns: [1, 2],
    });
    views.forEach((view, i) => {
      blocks.push({ kind: 'note', text: single ? view.status : `${view.title}: ${view.status}` });
      for (const warning of view.warnings) blocks.push({ kind: 'note', text: warning, warning: true });
      const rows = [...view.rows, ...(view.ttft ?? [])];
      if (rows.length > 0) blocks.push(table(`server-${i}`, rows));
      if (view.ttftNote) blocks.push({ kind: 'note', text: view.ttftNote });
      if (view.other.length > 0) {
        blocks.push({ kind: 'note', text: `${L.other}:` }, table(`server-${i}-other`, view.other.slice(0, OTHER_LIMIT)));
        if (view.other.length > OTHER_LIMIT) blocks.push({ kind: 'note', text: fill(L.more, { n: view.other.length - OTHER_LIMIT }) });
      }
    });
    return { id: 'server', title: single ? `${L.server}: ${views[0]!.title}` : L.server, blocks };
  },
  brief(data, labels) {
    const block = data.server;
    if (!block) return [];
    const lang = labels.lang as Lang;
    const L = LABELS[lang];
    return block.endpoints.flatMap((endpoint) => {
      const view = endpointView(endpoint, clientView(data), lang);
      const pick = (label: string) => view.rows.find((row) => row.label === label);
      const parts = [L.running, L.waiting, L.kv_cache_usage]
        .map((label) => pick(label))
        .filter((row): row is ServerRow => row !== undefined)
        .map((row) => `${row.label} ${row.value.split(',')[0]}`);
      const outside = view.ttft?.find((row) => row.label === L.outside);
      const lines = [`${L.server} ${view.title}: ${[view.status, ...parts].join(' · ')}`];
      if (outside) lines.push(`  ${outside.label}: ${outside.value}`);
      return [...lines, ...view.warnings.map((warning) => `! ${warning}`)];
    });
  },
};

// ---- HTML charts ----

export interface ServerFigure {
  id: string;
  title: string;
  svg?: string;
  note?: string;
}

/** The client's series over time, drawn beside the server's on the same time axis. */
export interface ClientSeries {
  inFlight: ReadonlyArray<readonly [number, number]>;
  outputTokensPerSecond: ReadonlyArray<readonly [number, number]>;
}

/**
 * Charts of the server's series on the run's clock: running and waiting (with the client's in-flight line),
 * KV-cache usage, and generation tokens/s (with the client's). `xMax` is the time axis's end, shared with the
 * client's load charts so they line up.
 */
export function serverFigures(block: ServerMetricsBlock, client: ClientSeries, xMax: number, lang: Lang): ServerFigure[] {
  const L = LABELS[lang];
  const figures: ServerFigure[] = [];
  const x = { label: L.axisTime, min: 0, max: xMax };
  block.endpoints.forEach((endpoint, i) => {
    const server = endpoint.server;
    if (!server || endpoint.timeseries.t.length === 0) return;
    const suffix = block.endpoints.length > 1 ? ` · ${i}` : '';
    const has = (name: string) => endpoint.metrics[name] !== undefined;
    const valueSeries = (name: string, stat: string) => endpoint.timeseries.series.filter((s) => s.metric === name && s.stat === stat);
    const points = (values: ReadonlyArray<number | null>, scale = 1) =>
      values.flatMap((v, k) => (v === null ? [] : [[endpoint.timeseries.t[k]!, v * scale] as const]));
    const summed = (name: string, stat: string) => sumSeries(valueSeries(name, stat).map((s) => s.values));

    const queue: XYSeries[] = [];
    for (const [role, color] of [
      ['running', 0],
      ['waiting', 1],
    ] as const) {
      const found = findRole(server, role, has);
      if (found) queue.push({ name: L[role], style: 'line', color: colorAt(color), points: points(summed(found.name, 'value')) });
    }
    if (queue.length > 0) {
      queue.push({ name: L.clientInFlight, style: 'line', dashed: true, color: '#888', points: client.inFlight });
      figures.push({ id: `server-queue-${i}`, title: L.chartQueue + suffix, svg: xyChart({ title: L.chartQueue, x, y: { label: L.axisRequests }, series: queue }) });
    }
    const kv = findRole(server, 'kv_cache_usage', has);
    if (kv) {
      const series = valueSeries(kv.name, 'value').map((s, k): XYSeries => ({ name: labelText(s.labels) || kv.name, style: 'line', color: colorAt(k), points: points(s.values, 100) }));
      figures.push({ id: `server-kv-${i}`, title: L.chartKv + suffix, svg: xyChart({ title: L.chartKv, x, y: { label: L.axisUsage, min: 0 }, series }) });
    }
    const tokens = findRole(server, 'generation_tokens', has);
    if (tokens && tokens.kind === 'counter') {
      const rate = perSecond(endpoint.timeseries.t, summed(tokens.name, 'increase'));
      figures.push({
        id: `server-tokens-${i}`,
        title: L.chartTokens + suffix,
        svg: xyChart({
          title: L.chartTokens,
          x,
          y: { label: L.axisTokPerSec },
          series: [
            { name: L.generation_tokens, style: 'line', color: colorAt(0), points: rate },
            { name: L.clientTokens, style: 'line', dashed: true, color: '#888', points: client.outputTokensPerSecond },
          ],
        }),
      });
    }
  });
  return figures;
}

function sumSeries(columns: ReadonlyArray<ReadonlyArray<number | null>>): Array<number | null> {
  const length = Math.max(0, ...columns.map((c) => c.length));
  return Array.from({ length }, (_, i) => {
    const present = columns.map((c) => c[i]).filter((v): v is number => v !== null && v !== undefined);
    return present.length > 0 ? present.reduce((a, b) => a + b, 0) : null;
  });
}

/** A cumulative increase as a rate per second between scrapes, placed at each interval's midpoint. */
function perSecond(t: readonly number[], cumulative: ReadonlyArray<number | null>): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  let previous: { t: number; v: number } | undefined;
  cumulative.forEach((v, i) => {
    if (v === null) return;
    const at = t[i]!;
    if (previous && at > previous.t) out.push([(at + previous.t) / 2, (v - previous.v) / (at - previous.t)]);
    previous = { t: at, v };
  });
  return out;
}

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .filter(([key]) => key !== 'model_name')
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
