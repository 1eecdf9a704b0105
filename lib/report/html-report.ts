/**
 * The HTML report: a pure renderer from a results file to one self-contained
 * HTML page (inline CSS and SVG, no script, no CDN; it opens from disk and
 * offline). Headline tiles and the charts of the run first, then every report
 * section (sections.ts, the same list the text and markdown reports walk),
 * then the redacted config. renderCompareHtml overlays two or more runs on the
 * same axes, with the comparison's table, rules, warnings and verdict. Every
 * string taken from results is escaped.
 */
import { escapeHtml as esc } from '../util/html-escape.ts';
import { htmlPage } from './html-page.ts';
import { defaultBinCount, histogram } from '../stats/histogram.ts';
import type { GroupSummary } from '../stats/groups.ts';
import { fill, labels, type Labels, type Lang } from './i18n.ts';
import { loadOverTime, type LoadOverTime } from '../results/load-over-time.ts';
import { createRedactor, redactSecretFields } from '../wire/redact.ts';
import { type MetricRow, type Results } from '../results/results.ts';
import { formatCell, ms, ratio, tokPerSec, count, volumeTiles, type Block, type PairRow, type SectionView } from './report-blocks.ts';
import { reportDataFromResults, type ReportData } from './report-data.ts';
import { describeLoad } from './run-line.ts';
import { buildSections, totalTokensPerSecond } from './sections.ts';
import { barChart, colorAt, histogramChart, xyChart, type XYSeries } from './svg-chart.ts';
import { metricsOf, type MultiComparison } from '../compare/compare.ts';
import { formatRelative, multiResultLine, methodLine, ruleObservation, verdictLabel } from './compare-render.ts';
import { formatMetric } from '../stats/metric-path.ts';
import { tokensPerSecondPerUser } from './sweep-section.ts';
import type { ServerMetricsBlock } from '../server-metrics/block.ts';
import { serverFigures } from './server-section.ts';

export interface HtmlReportOptions {
  lang: Lang;
}

export interface CompareHtmlOptions {
  lang: Lang;
}

/** A results file and the name it is shown by (its file name). */
export interface NamedResults {
  name: string;
  results: Results;
}

/** Point clouds above this many points are evenly sampled to keep the file small. */
const MAX_SCATTER_POINTS = 3000;
const MAX_CDF_POINTS = 400;
const MAX_GROUPS = 24;
/** A chart over time needs at least this many one-second buckets to show a shape (two points draw a misleading slope). */
export const MIN_TIME_BUCKETS = 3;
const WARMUP_COLOR = '#b8bec5';
const FAILED_COLOR = '#D55E00';

interface RunView {
  results: Results;
  /** Rows that count in the statistics (warm-up rows excluded). */
  counted: MetricRow[];
  warmup: MetricRow[];
  /** Milliseconds. */
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
  const data = reportDataFromResults(results);
  const body: string[] = [];

  body.push(`<header><h1>${esc(L.htmlTitle)}</h1>${runMeta(data, L)}</header>`);
  if (results.run.interrupted) body.push(`<p class="banner">${esc(L.interrupted)}</p>`);
  if (results.selfcheck?.client_bound) body.push(`<p class="banner">${esc(L.clientBoundWarning)}</p>`);
  body.push(tiles('kpis', data.sweep ? sweepHeadline(data, L) : headline(data, L)));
  const sections = buildSections(data, L);
  // A sweep's story is its levels: their table and charts come first, before the charts of every request pooled.
  const first = data.sweep ? sections.filter((section) => section.id === 'sweep') : [];
  for (const section of first) body.push(renderSection(section));

  const server = data.server;
  // With server series, the load charts and the server's share one time axis.
  const xMax = server ? sharedTimeEnd(run.load, server) : undefined;
  const figures: Figure[] = [
    histogramFigure('ttft-histogram', L.chartTtftHistogram, L.axisTtft, [run.ttft], [''], L),
    data.sweep ? sweepCdfFigure(run, data, L) : cdfFigure('ttft-cdf', L.chartTtftCdf, L.axisTtft, [run.ttft], [''], L),
    latencyByStartFigure(run, L),
    ...loadFigures([run.load], [''], L, results.summary.wall_time, xMax),
    ...(server ? serverFigures(server, clientSeries(run.load), xMax!, options.lang) : []),
    histogramFigure('rate-histogram', L.chartRateHistogram, L.axisRate, [run.rate], [''], L, colorAt(2)),
  ];
  if (data.groups && data.groups.rows.length > 0) figures.push(groupFigure(data.groups.rows, L));
  body.push(`<h2>${esc(L.charts)}</h2><section class="charts">${figures.map(renderFigure).join('')}</section>`);
  if (run.warmup.length > 0) body.push(`<p class="note">${esc(fill(L.warmupExcluded, { n: run.warmup.length }))}</p>`);

  for (const section of sections) if (!first.includes(section)) body.push(renderSection(section));
  body.push(`<h2>${esc(L.config)}</h2>${configBlock(results)}`);
  body.push(footer(results, L));
  return htmlPage(options.lang, `${L.htmlTitle} · ${results.run.started_at}`, body.join('\n'));
}

// ---- sections ----

function renderSection(section: SectionView): string {
  const charts = section.blocks.filter((b) => b.kind === 'chart' && b.svg);
  const rest = section.blocks.filter((b) => !(b.kind === 'chart' && b.svg));
  const chartsHtml = charts.length > 0 ? `<section class="charts">${charts.map(renderBlock).join('')}</section>` : '';
  return `<section class="report-section" data-section="${esc(section.id)}"><h2>${esc(section.title)}</h2>${rest.map(renderBlock).join('')}${chartsHtml}</section>`;
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case 'pairs':
      return `<table id="${esc(block.id)}"><tbody>${block.rows
        .map((row) => `<tr><th scope="row">${esc(row.label)}</th><td${row.key ? ` data-field="${esc(row.key)}"` : ''}>${esc(formatCell(row.value, true))}</td></tr>`)
        .join('')}</tbody></table>`;
    case 'table': {
      const text = block.textColumns ?? [];
      const cells = (row: { key?: string; cells: readonly unknown[] }) =>
        (row.cells as Parameters<typeof formatCell>[0][])
          .map((cell, i) => (i === 0 ? `<th scope="row">${esc(formatCell(cell, false))}</th>` : `<td${text.includes(i) ? ' class="text"' : ''}>${esc(formatCell(cell, false))}</td>`))
          .join('');
      return `<table id="${esc(block.id)}"><thead><tr>${block.header.map((h, i) => `<th${text.includes(i) ? ' class="text"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${block.rows
        .map((row) => `<tr${row.key !== undefined ? ` data-key="${esc(row.key)}"` : ''}>${cells(row)}</tr>`)
        .join('')}</tbody></table>`;
    }
    case 'note':
      return `<p class="${block.warning ? 'banner' : 'note'}">${esc(block.text)}</p>`;
    case 'chart':
      return block.svg ? renderFigure({ id: block.id, title: block.title, svg: block.svg, note: block.note }) : '';
    case 'tiles': {
      const inner = tiles(block.id, block.tiles);
      return block.collapsed
        ? `<details class="level" data-tiles="${esc(block.id)}"><summary>${esc(block.title)}</summary>${inner}</details>`
        : inner;
    }
  }
}

function tiles(id: string, rows: readonly PairRow[]): string {
  return `<section class="kpis" data-tiles="${esc(id)}">${rows
    .map((row) => `<div class="kpi" data-kpi="${esc(row.key ?? row.label)}"><div class="label">${esc(row.label)}</div><div class="value">${esc(formatCell(row.value, true))}</div></div>`)
    .join('')}</section>`;
}

/** The run's headline numbers; latencies in ms like every table. */
function headline(data: ReportData, L: Labels): PairRow[] {
  const s = data.summary;
  const rows: PairRow[] = [
    ...volumeTiles(s, L),
  ];
  if (s.input_tokens > 0) rows.push({ key: 'total-tokens-per-second', label: L.totalTokenRate, value: tokPerSec(totalTokensPerSecond(s)) });
  rows.push(
    { key: 'ttft-p50', label: 'TTFT P50', value: s.non_streaming === s.total_requests && s.total_requests > 0 ? L.notApplicableShort : ms(s.ttft?.p50) },
    { key: 'ttft-p99', label: 'TTFT P99', value: s.non_streaming === s.total_requests && s.total_requests > 0 ? L.notApplicableShort : ms(s.ttft?.p99) },
    { key: 'e2e-p50', label: 'E2E P50', value: ms(s.total_time?.p50) },
  );
  if (s.goodput) rows.push({ key: 'goodput', label: L.goodputShort, value: ratio(s.goodput.share) });
  return rows;
}

/** A sweep's levels differ by design: no pooled latency tile, the levels and their best instead. */
function sweepHeadline(data: ReportData, L: Labels): PairRow[] {
  const sweep = data.sweep!;
  const s = data.summary;
  const best = sweep.levels.reduce((a, b) => (b.summary.output_tokens_per_second > a.summary.output_tokens_per_second ? b : a));
  const rows: PairRow[] = [
    { key: 'levels', label: L.levels, value: count(sweep.levels.length) },
    { key: 'total-requests', label: L.requestsSent, value: count(s.total_requests) },
    { key: 'success-rate', label: L.successRate, value: ratio(s.total_requests > 0 ? s.success_count / s.total_requests : undefined) },
    {
      key: 'best-output-tokens-per-second',
      label: L.bestLevel,
      value: { value: best.summary.output_tokens_per_second, unit: 'tok_s', note: `@ ${sweep.parameter} ${best.value}` },
    },
  ];
  const perUser = tokensPerSecondPerUser(best.summary);
  if (perUser !== undefined) rows.push({ key: 'best-per-user', label: `${L.perUser} @ ${sweep.parameter} ${best.value}`, value: tokPerSec(perUser) });
  return rows;
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

/** A sweep's TTFT CDF: one curve per level, not one pooled curve. */
function sweepCdfFigure(run: RunView, data: ReportData, L: Labels): Figure {
  const sweep = data.sweep!;
  const byLevel = new Map<number, number[]>();
  for (const row of run.counted) {
    if (row.level === undefined || row.ttft === null) continue;
    const list = byLevel.get(row.level) ?? [];
    list.push(row.ttft * 1000);
    byLevel.set(row.level, list);
  }
  const levels = sweep.levels.map((level) => level.value).filter((value) => byLevel.has(value));
  if (levels.length === 0) return cdfFigure('ttft-cdf', L.chartTtftCdf, L.axisTtft, [run.ttft], [''], L);
  const name = (value: number) => `${sweep.parameter} ${value}`;
  return cdfFigure('ttft-cdf', L.chartTtftCdf, L.axisTtft, levels.map((value) => byLevel.get(value)!), levels.map(name), L);
}

function latencyByStartFigure(run: RunView, L: Labels): Figure {
  const title = L.chartLatencyByStart;
  const point = (pick: (row: MetricRow) => number | null) => (row: MetricRow) => {
    const value = pick(row);
    return value === null ? undefined : ([row.timestamps.started / 1000, value * 1000] as const);
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
    pointsOf(r.counted, (row) => (row.ttft === null ? undefined : ([row.timestamps.started / 1000, row.ttft * 1000] as const))),
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

/**
 * `wallSeconds`: the (longest) run's wall time, for the note that replaces charts of a run too short for them;
 * `xMax`: a fixed end of the time axis (shared with the server's charts).
 */
function loadFigures(loads: readonly LoadOverTime[], names: readonly string[], L: Labels, wallSeconds?: number, xMax?: number): Figure[] {
  const overlay = loads.length > 1;
  const note = loads.some((l) => l.derived) ? L.derivedNote : undefined;
  const line = (pick: (p: LoadOverTime['points'][number]) => number) =>
    loads.map((l, i): XYSeries => ({ name: names[i] as string, style: 'line', points: l.points.map((p) => [p.t, pick(p)] as const) }));
  const empty = loads.every((l) => l.points.length === 0);
  const longest = Math.max(...loads.map((l) => l.points.length));
  // One or two buckets draw a line between two points, which reads as a trend: say the run was short instead.
  const tooShort = !empty && longest < MIN_TIME_BUCKETS;
  const seconds = (wallSeconds ?? longest).toFixed(1);
  const figure = (id: string, title: string, yLabel: string, series: XYSeries[]): Figure =>
    empty
      ? { id, title, note: L.noTimeData }
      : tooShort
        ? { id, title, note: fill(L.shortRun, { seconds, buckets: MIN_TIME_BUCKETS }) }
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
  const pick = (key: 'p50' | 'p90' | 'p99') => shown.map((g) => (g.summary.ttft ? g.summary.ttft[key] * 1000 : undefined));
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

function renderFigure(figure: Figure): string {
  const content = figure.svg ?? `<p class="empty">${esc(figure.note ?? '')}</p>`;
  const note = figure.svg && figure.note ? `<p class="note">${esc(figure.note)}</p>` : '';
  return `<figure class="chart${figure.svg ? '' : ' no-data'}" data-chart="${esc(figure.id)}"><figcaption>${esc(figure.title)}</figcaption>${content}${note}</figure>`;
}

// ---- compare ----

/**
 * Two or more runs (the first is the base) overlaid on the same axes, with the comparison the compare
 * command computed: one table (each run's value, change and verdict), the rules, warnings and verdict.
 */
export function renderCompareHtml(runs: readonly NamedResults[], comparison: MultiComparison, options: CompareHtmlOptions): string {
  const L = labels(options.lang);
  const views = runs.map((run) => viewOf(run.results));
  const names = runs.map((run) => run.name);
  const body: string[] = [];

  body.push(`<header><h1>${esc(L.compareTitle)}</h1></header>`);
  body.push(`<p class="verdict ${comparison.regression ? 'worse' : 'better'}" id="verdict">${comparison.regression ? '✗' : '✓'} ${esc(L.result)}: ${esc(multiResultLine(comparison, L))}</p>`);
  runs.forEach((run, i) => {
    const role = i === 0 ? L.base : `#${i + 1}`;
    const data = reportDataFromResults(run.results);
    body.push(`<h3 class="run-name" style="color:${colorAt(i)}">${esc(role)} · ${esc(run.name)}</h3>${runMeta(data, L)}`);
    if (run.results.run.interrupted) body.push(`<p class="banner">${esc(run.name)}: ${esc(L.interrupted)}</p>`);
  });
  const warnings = comparison.comparisons.flatMap((c, i) => c.incomparable.map((w) => `#${i + 2} ${c.next.name}: ${w}`));
  if (warnings.length > 0) {
    body.push(`<section id="warnings"><h2>${esc(L.warnings)}</h2>${warnings.map((w) => `<p class="banner">${esc(w)}</p>`).join('')}</section>`);
  }

  const figures: Figure[] = [
    cdfFigure('ttft-cdf', L.chartTtftCdf, L.axisTtft, views.map((r) => r.ttft), names, L),
    histogramFigure('ttft-histogram', L.chartTtftHistogram, L.axisTtft, views.map((r) => r.ttft), names, L),
    cdfFigure('e2e-cdf', L.chartE2eCdf, L.axisE2e, views.map((r) => r.e2e), names, L),
    cdfFigure('rate-cdf', L.chartRateCdf, L.axisRate, views.map((r) => r.rate), names, L),
    ...loadFigures(views.map((r) => r.load), names, L, Math.max(...runs.map((r) => r.results.summary.wall_time))),
    ttftByStartCompareFigure(views, names, L),
  ];
  body.push(`<h2>${esc(L.charts)}</h2><section class="charts">${figures.map(renderFigure).join('')}</section>`);
  body.push(`<h2>${esc(L.summaryTable)}</h2>${compareTable(comparison, names, L)}`);
  body.push(`<h2>${esc(L.rules)}</h2>${rulesTable(comparison, L)}`);
  body.push(`<p class="note" id="method">${esc(L.method)}: ${esc(methodLine(comparison.comparisons[0]!, L))}</p>`);
  body.push(`<h2>${esc(L.errorsByKind)}</h2>${compareErrorTable(views, names, L)}`);
  const checked = runs.filter((run) => run.results.selfcheck);
  if (checked.length > 0) {
    const check = (run: NamedResults) => run.results.selfcheck;
    body.push(
      `<h2>${esc(L.selfcheck)}</h2>` +
        renderBlock({
          kind: 'table',
          id: 'selfcheck',
          header: [L.metric, ...checked.map((run) => run.name)],
          rows: [
            { key: 'event_loop_delay_p99_ms', cells: [L.eventLoopDelay, ...checked.map((run) => `${check(run)!.event_loop_delay_p99_ms.toFixed(1)} ms`)] },
            { key: 'cpu_percent', cells: [L.clientCpu, ...checked.map((run) => `${check(run)!.cpu_percent.toFixed(0)}%`)] },
            { key: 'client_bound', cells: [L.clientBound, ...checked.map((run) => (check(run)!.client_bound ? L.clientBoundYes : L.clientBoundNo))] },
          ],
        }),
    );
  }
  runs.forEach((run) => body.push(`<h2>${esc(L.config)} · ${esc(run.name)}</h2>${configBlock(run.results)}`));
  body.push(footer(runs[runs.length - 1]!.results, L));
  return htmlPage(options.lang, L.compareTitle, body.join('\n'));
}

function compareTable(multi: MultiComparison, names: readonly string[], L: Labels): string {
  const head = [L.metric, `${L.base}: ${names[0]}`];
  multi.comparisons.forEach((_, i) => head.push(`#${i + 2}: ${names[i + 1]}`, L.change));
  const rows = metricsOf(multi).map((metric) => {
    let base = '–';
    const cells: string[] = [];
    for (const comparison of multi.comparisons) {
      const row = comparison.rows.find((r) => r.metric === metric);
      if (!row) {
        cells.push('<td>–</td><td>–</td>');
        continue;
      }
      if (row.base !== undefined) base = formatMetric(row.ref, row.base);
      const cls = row.verdict === 'better' || row.verdict === 'worse' ? ` class="${row.verdict}"` : '';
      const change = row.ref.unit === 'ratio' && row.change !== undefined ? `${row.change >= 0 ? '+' : ''}${(row.change * 100).toFixed(1)} pp` : formatRelative(row.relative);
      const verdict = row.verdict === 'n/a' ? '' : ` (${verdictLabel(row.verdict, L)})`;
      cells.push(`<td>${esc(row.next === undefined ? '–' : formatMetric(row.ref, row.next))}</td><td${cls}>${esc(change + verdict)}</td>`);
    }
    return `<tr data-metric="${esc(metric)}"><th scope="row"><code>${esc(metric)}</code></th><td>${esc(base)}</td>${cells.join('')}</tr>`;
  });
  return `<table id="compare"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function rulesTable(multi: MultiComparison, L: Labels): string {
  const first = multi.comparisons[0]!;
  const head = [L.rule, ...multi.comparisons.map((c, i) => `#${i + 2}: ${c.next.name}`)];
  const rows = first.rules.map((rule, k) => {
    const cells = multi.comparisons.map((comparison) => {
      const outcome = comparison.rules[k]!;
      return `<td class="text ${outcome.fired ? 'worse' : 'better'}">${outcome.fired ? '✗' : '✓'} ${esc(ruleObservation(outcome, comparison, L))}</td>`;
    });
    return `<tr data-rule="${esc(rule.rule)}"><th scope="row"><code>${esc(rule.rule)}</code></th>${cells.join('')}</tr>`;
  });
  const note = first.rules.some((r) => r.isDefault) ? `<p class="note">${esc(L.defaultRules)}</p>` : '';
  return `<table id="rules"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>${note}`;
}

function compareErrorTable(runs: readonly RunView[], names: readonly string[], L: Labels): string {
  const counts = runs.map((r) => {
    const byKind: Record<string, number> = {};
    for (const row of r.counted) if (row.error_kind !== null) byKind[row.error_kind] = (byKind[row.error_kind] ?? 0) + 1;
    return byKind;
  });
  const kinds = [...new Set(counts.flatMap((c) => Object.keys(c)))].sort();
  if (kinds.length === 0) return `<p class="note" id="no-errors">${esc(L.noErrors)}</p>`;
  return renderBlock({ kind: 'table', id: 'errors', header: [L.kind, ...names], rows: kinds.map((kind) => ({ key: kind, cells: [kind, ...counts.map((c) => String(c[kind] ?? 0))] })) });
}

// ---- page parts ----

function viewOf(results: Results): RunView {
  const counted = results.metrics.filter((row) => row.warmup !== true);
  const values = (pick: (row: MetricRow) => number | null) =>
    counted.map(pick).filter((v): v is number => v !== null && Number.isFinite(v));
  return {
    results,
    counted,
    warmup: results.metrics.filter((row) => row.warmup === true),
    ttft: values((row) => (row.ttft === null ? null : row.ttft * 1000)),
    e2e: values((row) => (row.total_time === null ? null : row.total_time * 1000)),
    rate: values((row) => row.tokens_per_second),
    load: loadOverTime(results.metrics, results.timeseries),
  };
}

function configBlock(results: Results): string {
  // The run already redacted it; scrub again in case the file came from elsewhere.
  return `<pre id="config"><code>${esc(JSON.stringify(createRedactor().value(redactSecretFields(results.config)), null, 2))}</code></pre>`;
}

/** What was run: endpoint, start, protocol, transport, the load as configured and the requests actually measured. */
function runMeta(data: ReportData, L: Labels): string {
  const config = data.config!;
  const s = data.summary;
  const items: Array<[string, string]> = [
    [L.endpoint, createRedactor().text(config.url)],
    [L.startedAt, data.run?.started_at ?? ''],
    [L.protocol, data.run?.protocol ?? ''],
    [L.transport, data.run?.transport ?? ''],
    [L.load, describeLoad(config, L)],
    [L.requestsSent, `${s.total_requests}${s.warmup_requests ? ` (+${s.warmup_requests} ${L.warmupShort})` : ''}${data.sweep ? ` · ${data.sweep.levels.length} ${L.levels.toLowerCase()}` : ''}`],
  ];
  if (s.non_streaming) items.push([L.nonStreaming, String(s.non_streaming)]);
  return `<div class="meta">${items.map(([k, v]) => `<span>${esc(k)}: <code>${esc(v)}</code></span>`).join('')}</div>`;
}

function footer(results: Results, L: Labels): string {
  return `<footer>${esc(fill(L.generatedBy, { version: results.tool.version }))} · ${esc(results.run.node)} · ${esc(results.run.platform)}</footer>`;
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
