/**
 * The HTML report: a pure renderer from a results file to one self-contained
 * HTML page (inline CSS and SVG, no script, no CDN; it opens from disk and
 * offline). Charts first, then the summary tables, errors by kind, the client
 * self-check and the redacted config. renderCompareHtml overlays two runs on
 * the same axes. Every string taken from results is escaped.
 */
import { escapeHtml as esc } from '../util/html-escape.ts';
import { htmlPage } from './html-page.ts';
import { defaultBinCount, histogram } from '../stats/histogram.ts';
import { summarizeGroups, type GroupSummary } from '../stats/groups.ts';
import { summarizeTurns } from '../stats/turns.ts';
import { turnsChart, turnsHtml } from './turns-report.ts';
import { fill, labels, type Labels, type Lang } from './i18n.ts';
import { loadOverTime, type LoadOverTime } from '../results/load-over-time.ts';
import { createRedactor, redactSecretFields } from '../wire/redact.ts';
import { millis, seconds } from '../util/format.ts';
import { rowToRecord, type MetricRow, type Results, type Sweep } from '../results/results.ts';
import type { Distribution } from '../stats/stats.ts';
import type { RunSummary } from '../stats/summary.ts';
import { barChart, colorAt, histogramChart, xyChart, type XYSeries } from './svg-chart.ts';
import type { ServerMetricsBlock } from '../server-metrics/block.ts';
import { serverFigures, serverSectionHtml } from './server-section.ts';

export interface HtmlReportOptions {
  lang: Lang;
}

export interface CompareHtmlOptions {
  lang: Lang;
  /** How to name the two runs (e.g. their file names); default "Base" and "New". */
  baseName?: string;
  nextName?: string;
  /**
   * Significance verdicts by metric path (`ttft.p50`, `total_time.p99`, `requests_per_second`, `error_rate`, ...),
   * as the compare command computes them; they colour the change column. Without them no change is coloured:
   * a raw difference is not a regression.
   */
  verdicts?: Readonly<Record<string, 'better' | 'worse' | 'same' | 'n/a'>>;
}

/** Point clouds above this many points are evenly sampled to keep the file small. */
const MAX_SCATTER_POINTS = 3000;
const MAX_CDF_POINTS = 400;
const MAX_GROUPS = 24;
const MAX_EXAMPLES_PER_KIND = 3;
const WARMUP_COLOR = '#b8bec5';
const FAILED_COLOR = '#D55E00';

type SummaryView = Partial<RunSummary> & Results['summary'];
type DistributionKey = 'ttfb' | 'ttft' | 'ttfat' | 'total_time' | 'tpot' | 'itl' | 'tokens_per_second';

interface RunView {
  results: Results;
  summary: SummaryView;
  /** Rows that count in the statistics (warm-up rows excluded). */
  counted: MetricRow[];
  warmup: MetricRow[];
  ttft: number[];
  e2e: number[];
  rate: number[];
  load: LoadOverTime;
}

interface Figure {
  id: string;
  title: string;
  /** The chart, or undefined when the results hold no data for it. */
  svg?: string;
  note?: string;
}

export function renderHtmlReport(results: Results, options: HtmlReportOptions): string {
  const L = labels(options.lang);
  const run = viewOf(results);
  const s = run.summary;
  const body: string[] = [];

  body.push(`<header><h1>${esc(L.htmlTitle)}</h1>${runMeta(results, L)}</header>`);
  if (results.run.interrupted) body.push(`<p class="banner">${esc(L.interrupted)}</p>`);
  body.push(kpis(s, L));

  const server = results.server_metrics as ServerMetricsBlock | undefined;
  // With server series, the load charts and the server's share one time axis.
  const xMax = server ? sharedTimeEnd(run.load, server) : undefined;
  const figures: Figure[] = [
    histogramFigure('ttft-histogram', L.chartTtftHistogram, L.axisTtft, [run.ttft], [''], L),
    cdfFigure('ttft-cdf', L.chartTtftCdf, L.axisTtft, [run.ttft], [''], L),
    latencyByStartFigure(run, L),
    ...loadFigures([run.load], [''], L, xMax),
    ...(server ? serverFigures(server, clientSeries(run.load), xMax!, options.lang) : []),
    histogramFigure('rate-histogram', L.chartRateHistogram, L.axisRate, [run.rate], [''], L, colorAt(2)),
  ];
  const groups = summarizeGroups(run.counted.map(rowToRecord));
  if (groups.length > 0) figures.push(groupFigure(groups, L));
  const turns = summarizeTurns(run.counted.map(rowToRecord));
  if (turns) figures.push(turnsChart(turns, L));
  if (results.sweep) figures.push(sweepFigure([results.sweep], [''], L));

  body.push(`<h2>${esc(L.charts)}</h2><section class="charts">${figures.map(renderFigure).join('')}</section>`);
  if (run.warmup.length > 0) body.push(`<p class="note">${esc(fill(L.warmupExcluded, { n: run.warmup.length }))}</p>`);

  body.push(`<h2>${esc(L.summaryTable)}</h2>${overallTable(s, L)}`);
  body.push(`<h2>${esc(L.distributions)}</h2>${distributionTable(s, L)}`);
  if (groups.length > 0) body.push(`<h2>${esc(L.groups)}</h2>${groupTable(groups, L)}`);
  if (turns) body.push(turnsHtml(turns, L));
  if (results.sweep) body.push(`<h2>${esc(L.sweepLevels)}</h2>${sweepTable(results.sweep, L)}`);
  if (server) {
    const client = { ttft: s.ttft, outputTokens: s.output_tokens };
    body.push(`<h2 id="server">${esc(options.lang === 'zh' ? '服务端' : 'Server')}</h2>${serverSectionHtml(server, client, options.lang)}`);
  }
  body.push(`<h2>${esc(L.errorsByKind)}</h2>${errorTable(run.counted, L)}`);
  if (results.selfcheck) body.push(`<h2>${esc(L.selfcheck)}</h2>${selfcheckTable(results.selfcheck, L)}`);
  body.push(`<h2>${esc(L.config)}</h2>${configBlock(results)}`);
  body.push(footer(results, L));
  return htmlPage(options.lang, `${L.htmlTitle} · ${results.run.started_at}`, body.join('\n'));
}

export function renderCompareHtml(base: Results, next: Results, options: CompareHtmlOptions): string {
  const L = labels(options.lang);
  const runs = [viewOf(base), viewOf(next)];
  const names = [options.baseName ?? L.base, options.nextName ?? L.next];
  const body: string[] = [];

  body.push(`<header><h1>${esc(L.compareTitle)}</h1></header>`);
  runs.forEach((run, i) => {
    body.push(`<h3 class="run-name" style="color:${colorAt(i)}">${esc(names[i] as string)}</h3>${runMeta(run.results, L)}`);
    if (run.results.run.interrupted) body.push(`<p class="banner">${esc(names[i] as string)}: ${esc(L.interrupted)}</p>`);
  });

  const figures: Figure[] = [
    cdfFigure('ttft-cdf', L.chartTtftCdf, L.axisTtft, runs.map((r) => r.ttft), names, L),
    histogramFigure('ttft-histogram', L.chartTtftHistogram, L.axisTtft, runs.map((r) => r.ttft), names, L),
    cdfFigure('e2e-cdf', L.chartE2eCdf, L.axisE2e, runs.map((r) => r.e2e), names, L),
    cdfFigure('rate-cdf', L.chartRateCdf, L.axisRate, runs.map((r) => r.rate), names, L),
    ...loadFigures(runs.map((r) => r.load), names, L),
    ttftByStartCompareFigure(runs, names, L),
  ];
  const sweeps = runs.map((r) => r.results.sweep);
  if (sweeps.every((sweep) => sweep !== undefined)) figures.push(sweepFigure(sweeps as Sweep[], names, L));

  body.push(`<h2>${esc(L.charts)}</h2><section class="charts">${figures.map(renderFigure).join('')}</section>`);
  body.push(`<h2>${esc(L.summaryTable)}</h2>${compareTable(runs[0]!.summary, runs[1]!.summary, names, L, options.verdicts)}`);
  body.push(`<h2>${esc(L.errorsByKind)}</h2>${compareErrorTable(runs, names, L)}`);
  runs.forEach((run, i) => {
    if (run.results.selfcheck) body.push(`<h2>${esc(L.selfcheck)} · ${esc(names[i] as string)}</h2>${selfcheckTable(run.results.selfcheck, L)}`);
  });
  runs.forEach((run, i) => body.push(`<h2>${esc(L.config)} · ${esc(names[i] as string)}</h2>${configBlock(run.results)}`));
  body.push(footer(next, L));
  return htmlPage(options.lang, L.compareTitle, body.join('\n'));
}

function viewOf(results: Results): RunView {
  const counted = results.metrics.filter((row) => row.warmup !== true);
  const values = (pick: (row: MetricRow) => number | null) =>
    counted.map(pick).filter((v): v is number => v !== null && Number.isFinite(v));
  return {
    results,
    summary: results.summary as SummaryView,
    counted,
    warmup: results.metrics.filter((row) => row.warmup === true),
    ttft: values((row) => row.ttft),
    e2e: values((row) => row.total_time),
    rate: values((row) => row.tokens_per_second),
    load: loadOverTime(results.metrics, results.timeseries),
  };
}

// ---- charts ----

/** Histograms of one or more samples on shared bins, so overlaid bars line up. */
function histogramFigure(id: string, title: string, axis: string, samples: readonly number[][], names: readonly string[], L: Labels, color?: string): Figure {
  const all = samples.flat();
  if (all.length === 0) return { id, title };
  const domain: [number, number] = [Math.min(...all), Math.max(...all)];
  const bins = samples.map((values) => histogram(values, { domain, bins: defaultBinCount(all.length / samples.length) }));
  return {
    id,
    title,
    svg: histogramChart({
      title,
      x: { label: axis },
      y: { label: L.axisRequests },
      edges: bins[0]!.edges,
      series: bins.map((h, i) => ({ name: names[i] as string, counts: h.counts, color: color ?? colorAt(i) })),
    }),
  };
}

function cdfFigure(id: string, title: string, axis: string, samples: readonly number[][], names: readonly string[], L: Labels): Figure {
  if (samples.every((values) => values.length === 0)) return { id, title };
  const series: XYSeries[] = samples.map((values, i) => ({ name: names[i] as string, style: 'step', points: cdfPoints(values) }));
  return { id, title, svg: xyChart({ title, x: { label: axis }, y: { label: L.axisFraction, min: 0, max: 1 }, series }) };
}

function latencyByStartFigure(run: RunView, L: Labels): Figure {
  const title = L.chartLatencyByStart;
  const point = (pick: (row: MetricRow) => number | null) => (row: MetricRow) => {
    const value = pick(row);
    return value === null ? undefined : ([row.timestamps.started / 1000, value] as const);
  };
  const ttft = pointsOf(run.counted, point((row) => row.ttft));
  const e2e = pointsOf(run.counted, point((row) => row.total_time));
  if (ttft.length === 0 && e2e.length === 0) return { id: 'latency-by-start', title };
  const series: XYSeries[] = [
    { name: L.seriesE2e, style: 'points', points: sample(e2e), color: colorAt(1) },
    { name: L.seriesTtft, style: 'points', points: sample(ttft), color: colorAt(0) },
  ];
  const warm = pointsOf(run.warmup, point((row) => row.total_time));
  if (warm.length > 0) series.push({ name: L.seriesWarmup, style: 'points', points: sample(warm), color: WARMUP_COLOR });
  return {
    id: 'latency-by-start',
    title,
    svg: xyChart({ title, x: { label: L.axisStart, zero: true }, y: { label: L.axisLatency }, series }),
    note: sampledNote(Math.max(ttft.length, e2e.length), L),
  };
}

function ttftByStartCompareFigure(runs: readonly RunView[], names: readonly string[], L: Labels): Figure {
  const title = `${L.seriesTtft} · ${L.axisStart}`;
  const clouds = runs.map((r) =>
    pointsOf(r.counted, (row) => (row.ttft === null ? undefined : ([row.timestamps.started / 1000, row.ttft] as const))),
  );
  if (clouds.every((c) => c.length === 0)) return { id: 'ttft-by-start', title };
  return {
    id: 'ttft-by-start',
    title,
    svg: xyChart({
      title,
      x: { label: L.axisStart, zero: true },
      y: { label: L.axisTtft },
      series: clouds.map((points, i) => ({ name: names[i] as string, style: 'points', points: sample(points) })),
    }),
    note: sampledNote(Math.max(...clouds.map((c) => c.length)), L),
  };
}

/** The end of the time axis that both the client's load charts and the server's series fit on. */
function sharedTimeEnd(load: LoadOverTime, server: ServerMetricsBlock): number {
  const ends = [...load.points.map((p) => p.t), ...server.endpoints.flatMap((e) => e.timeseries.t)];
  return Math.max(1, ...ends);
}

function clientSeries(load: LoadOverTime) {
  return {
    inFlight: load.points.map((p) => [p.t, p.inFlight] as const),
    outputTokensPerSecond: load.points.map((p) => [p.t, p.outputTokensPerSecond] as const),
  };
}

function loadFigures(loads: readonly LoadOverTime[], names: readonly string[], L: Labels, xMax?: number): Figure[] {
  const overlay = loads.length > 1;
  const note = loads.some((l) => l.derived) ? L.derivedNote : undefined;
  const line = (pick: (p: LoadOverTime['points'][number]) => number) =>
    loads.map((l, i): XYSeries => ({ name: names[i] as string, style: 'line', points: l.points.map((p) => [p.t, pick(p)] as const) }));
  const empty = loads.every((l) => l.points.length === 0);
  const figure = (id: string, title: string, yLabel: string, series: XYSeries[]): Figure =>
    empty
      ? { id, title, note: L.noTimeData }
      : { id, title, note, svg: xyChart({ title, x: { label: L.axisTime, zero: true, ...(xMax !== undefined ? { min: 0, max: xMax } : {}) }, y: { label: yLabel }, series }) };

  let throughput = line((p) => p.completedPerSecond);
  if (!overlay) {
    throughput = [{ ...throughput[0]!, name: L.seriesCompleted }];
    if (loads[0]!.points.some((p) => p.failedPerSecond > 0)) {
      throughput.push({ name: L.seriesFailed, style: 'line', color: FAILED_COLOR, points: loads[0]!.points.map((p) => [p.t, p.failedPerSecond] as const) });
    }
  }
  return [
    figure('throughput', L.chartThroughput, L.axisReqPerSec, throughput),
    figure('token-throughput', L.chartTokenThroughput, L.axisTokPerSec, line((p) => p.outputTokensPerSecond)),
    figure('in-flight', L.chartInFlight, L.axisInFlight, line((p) => p.inFlight)),
  ];
}

function groupFigure(groups: readonly GroupSummary[], L: Labels): Figure {
  const shown = groups.slice(0, MAX_GROUPS);
  const pick = (key: 'p50' | 'p90' | 'p99') => shown.map((g) => g.summary.ttft?.[key]);
  return {
    id: 'groups',
    title: L.chartGroups,
    svg: barChart({
      title: L.chartGroups,
      x: { label: L.axisGroup },
      y: { label: L.axisTtft },
      categories: shown.map((g) => g.group),
      series: [
        { name: 'P50', values: pick('p50') },
        { name: 'P90', values: pick('p90') },
        { name: 'P99', values: pick('p99') },
      ],
    }),
    note: groups.length > MAX_GROUPS ? fill(L.sampledNote, { shown: MAX_GROUPS, total: groups.length }) : undefined,
  };
}

function sweepFigure(sweeps: readonly Sweep[], names: readonly string[], L: Labels): Figure {
  const title = L.chartSweep;
  const series: XYSeries[] = sweeps.map((sweep, i) => {
    const levels = sweep.levels.filter((level) => level.summary.ttft !== undefined);
    return {
      name: names[i] as string,
      style: 'line',
      points: levels.map((level) => [level.summary.requests_per_second, level.summary.ttft!.p99] as const),
      pointLabels: levels.map((level) => String(level.value)),
      pointTitles: levels.map(
        (level) =>
          `${paramName(sweep, L)} ${level.value}: ${level.summary.requests_per_second.toFixed(2)} ${L.reqPerSec}, TTFT P99 ${seconds(level.summary.ttft!.p99)}`,
      ),
    };
  });
  if (series.every((s) => s.points.length === 0)) return { id: 'sweep', title };
  return {
    id: 'sweep',
    title,
    svg: xyChart({ title, x: { label: L.axisReqPerSec, zero: true }, y: { label: L.axisTtftP99 }, series }),
    note: `${L.level}: ${sweeps.map((s) => paramName(s, L)).filter(unique).join(' / ')}`,
  };
}

function renderFigure(figure: Figure): string {
  const content = figure.svg ?? `<p class="empty">${esc(figure.note ?? '')}</p>`;
  const note = figure.svg && figure.note ? `<p class="note">${esc(figure.note)}</p>` : '';
  return `<figure class="chart${figure.svg ? '' : ' no-data'}" data-chart="${esc(figure.id)}"><figcaption>${esc(figure.title)}</figcaption>${content}${note}</figure>`;
}

// ---- tables ----

function kpis(s: SummaryView, L: Labels): string {
  const tiles: Array<[string, string, string]> = [
    ['total-requests', L.total, String(s.total_requests)],
    ['success-rate', L.successRate, percent(s.success_count, s.total_requests)],
    ['throughput', L.throughput, `${s.requests_per_second.toFixed(2)} ${L.reqPerSec}`],
    ['output-tokens-per-second', L.outputTokens, s.output_tokens_per_second === undefined ? '–' : `${s.output_tokens_per_second.toFixed(1)} ${L.tokPerSec}`],
    ['ttft-p50', 'TTFT P50', s.ttft ? seconds(s.ttft.p50) : '–'],
    ['ttft-p99', 'TTFT P99', s.ttft ? seconds(s.ttft.p99) : '–'],
    ['e2e-p50', 'E2E P50', s.total_time ? seconds(s.total_time.p50) : '–'],
  ];
  return `<section class="kpis">${tiles
    .map(([id, label, value]) => `<div class="kpi" data-kpi="${id}"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div></div>`)
    .join('')}</section>`;
}

function overallTable(s: SummaryView, L: Labels): string {
  const rows: Array<[string, string, string]> = [
    ['total_requests', L.total, String(s.total_requests)],
    ['success_count', L.success, `${s.success_count} (${percent(s.success_count, s.total_requests)})`],
    ['failed_count', L.failed, `${s.failed_count} (${percent(s.failed_count, s.total_requests)})`],
    ['wall_time', L.wall, seconds(s.wall_time)],
    ['requests_per_second', L.throughput, `${s.requests_per_second.toFixed(2)} ${L.reqPerSec}`],
  ];
  if (s.output_tokens !== undefined) {
    rows.push(['output_tokens', L.outputTokens, `${s.output_tokens} (${(s.output_tokens_per_second ?? 0).toFixed(1)} ${L.tokPerSec})`]);
  }
  return `<table id="overall"><tbody>${rows
    .map(([field, label, value]) => `<tr><th scope="row">${esc(label)}</th><td data-field="${field}">${esc(value)}</td></tr>`)
    .join('')}</tbody></table>`;
}

function distributionRows(L: Labels): Array<[DistributionKey, string, (v: number) => string]> {
  const rate = (v: number) => v.toFixed(2);
  return [
    ['ttfb', L.ttfb, seconds],
    ['ttft', L.ttft, seconds],
    ['ttfat', L.ttfat, seconds],
    ['total_time', L.totalTime, seconds],
    ['tpot', L.tpot, millis],
    ['itl', L.itl, millis],
    ['tokens_per_second', `${L.rate} (${L.tokPerSec})`, rate],
  ];
}

function distributionTable(s: SummaryView, L: Labels): string {
  const stats = ['count', 'min', 'mean', 'p50', 'p90', 'p95', 'p99', 'max', 'std'] as const;
  const head = [L.metric, L.count, L.min, L.mean, 'P50', 'P90', 'P95', 'P99', L.max, L.std];
  const rows = distributionRows(L)
    .map(([key, label, format]) => {
      const d = s[key] as Distribution | undefined;
      if (!d) return '';
      return `<tr data-metric="${key}"><th scope="row">${esc(label)}</th>${stats
        .map((stat) => `<td>${esc(stat === 'count' ? String(d.count) : format(d[stat]))}</td>`)
        .join('')}</tr>`;
    })
    .join('');
  if (!rows) return `<p class="note">${esc(L.noData)}</p>`;
  return `<table id="distributions"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>`;
}

function groupTable(groups: readonly GroupSummary[], L: Labels): string {
  const head = [L.group, L.total, L.successRate, 'TTFT P50', 'TTFT P99', 'E2E P50', 'E2E P99', `${L.rate} (${L.tokPerSec})`];
  const opt = (d: Distribution | undefined, key: 'p50' | 'p99') => (d ? seconds(d[key]) : '–');
  const rows = groups.map(({ group, summary: g }) =>
    [group, String(g.total_requests), percent(g.success_count, g.total_requests), opt(g.ttft, 'p50'), opt(g.ttft, 'p99'), opt(g.total_time, 'p50'), opt(g.total_time, 'p99'), g.tokens_per_second ? g.tokens_per_second.mean.toFixed(2) : '–'],
  );
  return table('groups', head, rows, [0]);
}

function sweepTable(sweep: Sweep, L: Labels): string {
  const head = [`${L.level} (${paramName(sweep, L)})`, L.total, L.successRate, L.reqPerSec, L.tokPerSec, 'TTFT P50', 'TTFT P99', 'E2E P99', L.stopped];
  const rows = sweep.levels.map(({ value, summary: s, stopped_reason }) => {
    const v = s as SummaryView;
    return [
      String(value),
      String(v.total_requests),
      percent(v.success_count, v.total_requests),
      v.requests_per_second.toFixed(2),
      v.output_tokens_per_second === undefined ? '–' : v.output_tokens_per_second.toFixed(1),
      v.ttft ? seconds(v.ttft.p50) : '–',
      v.ttft ? seconds(v.ttft.p99) : '–',
      v.total_time ? seconds(v.total_time.p99) : '–',
      stopped_reason ?? '',
    ];
  });
  const stopped = sweep.stopped_early ? `<p class="note">${esc(L.stoppedEarly)}: ${esc(sweep.stopped_early)}</p>` : '';
  return table('sweep', head, rows, [8]) + stopped;
}

function errorTable(rows: readonly MetricRow[], L: Labels): string {
  const byKind = new Map<string, MetricRow[]>();
  for (const row of rows) {
    if (row.error_kind === null) continue;
    const list = byKind.get(row.error_kind) ?? [];
    list.push(row);
    byKind.set(row.error_kind, list);
  }
  if (byKind.size === 0) return `<p class="note" id="no-errors">${esc(L.noErrors)}</p>`;
  const body: string[][] = [];
  for (const [kind, list] of byKind) {
    const examples: MetricRow[] = [];
    const seen = new Set<string>();
    for (const row of list) {
      const key = `${row.error}\u0000${row.error_body ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      examples.push(row);
      if (examples.length === MAX_EXAMPLES_PER_KIND) break;
    }
    examples.forEach((row, i) => {
      body.push([i === 0 ? kind : '', i === 0 ? String(list.length) : '', row.status === null ? '' : String(row.status), row.error ?? '', row.error_body ?? '']);
    });
  }
  return table('errors', [L.kind, L.count, L.status, L.example, L.responseBody], body, [0, 3, 4]);
}

function compareErrorTable(runs: readonly RunView[], names: readonly string[], L: Labels): string {
  const counts = runs.map((r) => {
    const byKind: Record<string, number> = {};
    for (const row of r.counted) if (row.error_kind !== null) byKind[row.error_kind] = (byKind[row.error_kind] ?? 0) + 1;
    return byKind;
  });
  const kinds = [...new Set(counts.flatMap((c) => Object.keys(c)))].sort();
  if (kinds.length === 0) return `<p class="note" id="no-errors">${esc(L.noErrors)}</p>`;
  return table('errors', [L.kind, ...names], kinds.map((kind) => [kind, ...counts.map((c) => String(c[kind] ?? 0))]), [0]);
}

function selfcheckTable(check: NonNullable<Results['selfcheck']>, L: Labels): string {
  return table(
    'selfcheck',
    [L.metric, ''],
    [
      [L.eventLoopDelay, `${check.event_loop_delay_p99_ms.toFixed(1)} ms`],
      [L.clientCpu, `${check.cpu_percent.toFixed(0)}%`],
      [L.clientBound, check.client_bound ? L.clientBoundYes : L.clientBoundNo],
      ...(check.server_metrics
        ? [
            [
              L.metricsScraping,
              fill(L.scrapeCost, {
                n: check.server_metrics.scrapes,
                busy: `${check.server_metrics.busy_ms.toFixed(1)} ms`,
                longest: `${check.server_metrics.max_block_ms.toFixed(2)} ms`,
                kb: (check.server_metrics.bytes / 1024).toFixed(0),
              }),
            ],
          ]
        : []),
    ],
    [1],
  );
}

interface CompareRow {
  /** The metric path the compare command names it by. */
  path: string;
  label: string;
  pick: (s: SummaryView) => number | undefined;
  format: (v: number) => string;
  /** Shows the change as a difference (percentage points for a rate) instead of a relative change. */
  difference?: (base: number, next: number) => string;
}

function compareTable(
  base: SummaryView,
  next: SummaryView,
  names: readonly string[],
  L: Labels,
  verdicts: CompareHtmlOptions['verdicts'],
): string {
  const dist = (key: DistributionKey, stat: 'p50' | 'p90' | 'p99' | 'mean') => (s: SummaryView) => (s[key] as Distribution | undefined)?.[stat];
  const rate = (v: number) => v.toFixed(2);
  const rows: CompareRow[] = [
    { path: 'total_requests', label: L.total, pick: (s) => s.total_requests, format: String },
    { path: 'error_rate', label: L.errorRate, pick: (s) => (s.total_requests > 0 ? s.failed_count / s.total_requests : undefined), format: (v) => `${(v * 100).toFixed(1)}%`, difference: (a, b) => `${b >= a ? '+' : ''}${((b - a) * 100).toFixed(1)} pp` },
    { path: 'requests_per_second', label: `${L.throughput} (${L.reqPerSec})`, pick: (s) => s.requests_per_second, format: rate },
    { path: 'output_tokens_per_second', label: `${L.outputTokens} (${L.tokPerSec})`, pick: (s) => s.output_tokens_per_second, format: (v) => v.toFixed(1) },
    { path: 'ttft.p50', label: 'TTFT P50', pick: dist('ttft', 'p50'), format: seconds },
    { path: 'ttft.p90', label: 'TTFT P90', pick: dist('ttft', 'p90'), format: seconds },
    { path: 'ttft.p99', label: 'TTFT P99', pick: dist('ttft', 'p99'), format: seconds },
    { path: 'total_time.p50', label: 'E2E P50', pick: dist('total_time', 'p50'), format: seconds },
    { path: 'total_time.p99', label: 'E2E P99', pick: dist('total_time', 'p99'), format: seconds },
    { path: 'tpot.p50', label: 'TPOT P50', pick: dist('tpot', 'p50'), format: millis },
    { path: 'tokens_per_second.mean', label: `${L.rate} ${L.mean}`, pick: dist('tokens_per_second', 'mean'), format: rate },
  ];
  const body = rows
    .map((row) => {
      const a = row.pick(base);
      const b = row.pick(next);
      let text = '–';
      if (a !== undefined && b !== undefined) {
        if (row.difference) text = row.difference(a, b);
        else if (a !== 0) text = `${b >= a ? '+' : ''}${(((b - a) / Math.abs(a)) * 100).toFixed(1)}%`;
      }
      const verdict = verdicts?.[row.path];
      const cls = verdict === 'better' || verdict === 'worse' ? ` class="${verdict}"` : '';
      const cell = (v: number | undefined) => `<td>${esc(v === undefined ? '–' : row.format(v))}</td>`;
      return `<tr data-metric="${row.path}"><th scope="row">${esc(row.label)}</th>${cell(a)}${cell(b)}<td${cls}>${esc(text)}${verdict && verdict !== 'n/a' ? ` (${esc(verdictLabel(verdict, L))})` : ''}</td></tr>`;
    })
    .join('');
  const note = verdicts ? '' : `<p class="note">${esc(L.notTested)}</p>`;
  return `<table id="compare"><thead><tr><th>${esc(L.metric)}</th><th>${esc(names[0] as string)}</th><th>${esc(names[1] as string)}</th><th>${esc(L.change)}</th></tr></thead><tbody>${body}</tbody></table>${note}`;
}

function verdictLabel(verdict: 'better' | 'worse' | 'same', L: Labels): string {
  return verdict === 'better' ? L.better : verdict === 'worse' ? L.worse : L.same;
}

function configBlock(results: Results): string {
  // The run already redacted it; scrub again in case the file came from elsewhere.
  return `<pre id="config"><code>${esc(JSON.stringify(createRedactor().value(redactSecretFields(results.config)), null, 2))}</code></pre>`;
}

function runMeta(results: Results, L: Labels): string {
  const items: Array<[string, string]> = [
    [L.endpoint, createRedactor().text(results.config.url)],
    [L.startedAt, results.run.started_at],
    [L.protocol, results.run.protocol],
    [L.transport, results.run.transport],
    [L.concurrency, String(results.config.concurrency)],
    [L.requestedTotal, String(results.config.total_requests)],
  ];
  return `<div class="meta">${items.map(([k, v]) => `<span>${esc(k)}: <code>${esc(v)}</code></span>`).join('')}</div>`;
}

function footer(results: Results, L: Labels): string {
  return `<footer>${esc(fill(L.generatedBy, { version: results.tool.version }))} · ${esc(results.run.node)} · ${esc(results.run.platform)}</footer>`;
}

function table(id: string, head: readonly string[], rows: ReadonlyArray<readonly string[]>, textColumns: readonly number[]): string {
  const cells = (row: readonly string[]) =>
    row.map((cell, i) => (i === 0 ? `<th scope="row">${esc(cell)}</th>` : `<td${textColumns.includes(i) ? ' class="text"' : ''}>${esc(cell)}</td>`)).join('');
  return `<table id="${id}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${cells(row)}</tr>`)
    .join('')}</tbody></table>`;
}

// ---- data helpers ----

/** The empirical CDF as step points (value, fraction ≤ value), thinned to at most MAX_CDF_POINTS. */
function cdfPoints(values: readonly number[]): Array<[number, number]> {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return [];
  const points: Array<[number, number]> = [[sorted[0]!, 0]];
  const stride = Math.max(1, Math.ceil(n / MAX_CDF_POINTS));
  for (let i = stride - 1; i < n; i += stride) points.push([sorted[i]!, (i + 1) / n]);
  if (points[points.length - 1]![1] !== 1) points.push([sorted[n - 1]!, 1]);
  return points;
}

function pointsOf(rows: readonly MetricRow[], pick: (row: MetricRow) => readonly [number, number] | undefined): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  for (const row of rows) {
    const p = pick(row);
    if (p) out.push(p);
  }
  return out;
}

/** Every k-th point, so a 100k-request run still makes a small file; deterministic. */
function sample<T>(items: readonly T[]): T[] {
  if (items.length <= MAX_SCATTER_POINTS) return [...items];
  const stride = items.length / MAX_SCATTER_POINTS;
  return Array.from({ length: MAX_SCATTER_POINTS }, (_, i) => items[Math.floor(i * stride)] as T);
}

function sampledNote(total: number, L: Labels): string | undefined {
  return total > MAX_SCATTER_POINTS ? fill(L.sampledNote, { shown: MAX_SCATTER_POINTS, total }) : undefined;
}

function paramName(sweep: Sweep, L: Labels): string {
  return sweep.parameter === 'rate' ? L.paramRate : L.paramConcurrency;
}

function percent(part: number, total: number): string {
  return total > 0 ? `${((part / total) * 100).toFixed(1)}%` : '–';
}

function unique<T>(value: T, index: number, all: readonly T[]): boolean {
  return all.indexOf(value) === index;
}
