/**
 * The sweep section: one row per level, the throughput-vs-TTFT-P99 chart, the
 * Pareto chart LLM-serving engineers read capacity from (output tokens/s per
 * user against total output tokens/s, one point per level), and each level's
 * headline numbers as tiles (HTML, on demand).
 *
 * Output tokens/s per user of a level = 1 / its TPOT P50: the median, over the
 * level's requests, of each request's decode rate 1/TPOT (a median commutes
 * with 1/x, so this is exact, not an approximation).
 */
import { renderAsciiScatter, type AsciiPoint } from './ascii-scatter.ts';
import { count, formatCell, formatMs, ms, ratio, reqPerSec, tokPerSec, volumeTiles, type Block, type PairRow, type ReportSection, type TableRow } from './report-blocks.ts';
import type { ReportData } from './report-data.ts';
import type { Labels } from './i18n.ts';
import { colorAt, xyChart } from './svg-chart.ts';
import type { SweepLevel, SweepResults } from '../load/sweep.ts';
import { sendLagTooHigh, type RunSummary } from '../stats/summary.ts';
import { textTable } from './text-table.ts';

/** Output tokens/s per user: 1 / TPOT P50 (undefined without a TPOT: one-token or non-streaming answers). */
export function tokensPerSecondPerUser(s: Pick<RunSummary, 'tpot'>): number | undefined {
  const tpot = s.tpot?.p50;
  return tpot !== undefined && tpot > 0 ? 1 / tpot : undefined;
}

function parameterName(sweep: SweepResults, L: Labels): string {
  return sweep.parameter === 'rate' ? L.paramRate : L.paramConcurrency;
}

function levelTable(sweep: SweepResults, L: Labels): Extract<Block, { kind: 'table' }> {
  const levels = sweep.levels;
  const withLag = levels.some((level) => level.summary.send_lag);
  const withGoodput = levels.some((level) => level.summary.goodput);
  const header = [
    parameterName(sweep, L),
    L.requests,
    L.errorRate,
    'req/s',
    L.outTokPerSec,
    L.perUser,
    'TTFT P50 (ms)',
    'TTFT P99 (ms)',
    'TPOT P50 (ms)',
    'E2E P99 (ms)',
  ];
  if (withLag) header.push(`${L.sendLagShort} P99 (ms)`);
  if (withGoodput) header.push(L.goodputShort);
  const withStop = levels.some((level) => level.stopped_reason);
  if (withStop) header.push(L.stopped);
  const rows: TableRow[] = levels.map(({ value, summary: s, stopped_reason }) => {
    const cells = [
      String(value),
      count(s.total_requests),
      ratio(s.total_requests > 0 ? s.failed_count / s.total_requests : undefined),
      reqPerSec(s.requests_per_second),
      tokPerSec(s.output_tokens_per_second),
      tokPerSec(tokensPerSecondPerUser(s)),
      ms(s.ttft?.p50),
      ms(s.ttft?.p99),
      ms(s.tpot?.p50),
      ms(s.total_time?.p99),
    ];
    if (withLag) cells.push(ms(s.send_lag?.p99));
    if (withGoodput) cells.push(ratio(s.goodput?.share));
    if (withStop) cells.push(stopped_reason ?? '');
    return { key: String(value), cells };
  });
  return { kind: 'table', id: 'sweep', header, rows, textColumns: withStop ? [header.length - 1] : [] };
}

function notes(sweep: SweepResults, L: Labels): Block[] {
  const out: Block[] = [];
  if (sweep.stopped_early) out.push({ kind: 'note', text: `${L.stoppedEarly}: ${sweep.stopped_early}`, warning: true });
  const lagging = sweep.levels.filter((level) => sendLagTooHigh(level.summary)).map((level) => level.value);
  if (lagging.length > 0) out.push({ kind: 'note', text: `${sweep.parameter} ${lagging.join(', ')}: ${L.lagWarning}`, warning: true });
  return out;
}

interface LevelPoint {
  x: number;
  y: number;
  level: SweepLevel;
}

function capacityChart(sweep: SweepResults, L: Labels): Extract<Block, { kind: 'chart' }> {
  const points: LevelPoint[] = sweep.levels.flatMap((level) =>
    level.summary.ttft ? [{ x: level.summary.output_tokens_per_second, y: level.summary.ttft.p99, level }] : [],
  );
  return chartOf('sweep', L.chartSweep, L.axisTokPerSec, L.axisTtftP99, points, sweep, L, {
    yAscii: 'TTFT P99',
    yFormat: (v) => `${formatMs(v)} ms`,
    ySvg: (v) => v * 1000,
    title: (p) => `${parameterName(sweep, L)} ${p.level.value}: ${p.x.toFixed(1)} tok/s, TTFT P99 ${formatMs(p.y)} ms`,
  });
}

function paretoChart(sweep: SweepResults, L: Labels): Extract<Block, { kind: 'chart' }> {
  const points: LevelPoint[] = sweep.levels.flatMap((level) => {
    const perUser = tokensPerSecondPerUser(level.summary);
    return perUser === undefined ? [] : [{ x: level.summary.output_tokens_per_second, y: perUser, level }];
  });
  const chart = chartOf('pareto', L.chartPareto, L.axisTokPerSec, L.axisPerUser, points, sweep, L, {
    yAscii: L.perUser,
    yFormat: (v) => `${v.toFixed(1)} tok/s`,
    ySvg: (v) => v,
    title: (p) => `${parameterName(sweep, L)} ${p.level.value}: ${p.x.toFixed(1)} tok/s ${L.total.toLowerCase()}, ${p.y.toFixed(1)} tok/s ${L.perUserShort}`,
  });
  chart.note = L.paretoNote;
  return chart;
}

function chartOf(
  id: string,
  title: string,
  xLabel: string,
  yLabel: string,
  points: LevelPoint[],
  sweep: SweepResults,
  L: Labels,
  how: { yAscii: string; yFormat: (v: number) => string; ySvg: (v: number) => number; title: (p: LevelPoint) => string },
): Extract<Block, { kind: 'chart' }> {
  const ascii: AsciiPoint[] = points.map((p) => ({ x: p.x, y: p.y, label: `${sweep.parameter} ${p.level.value}` }));
  const text = renderAsciiScatter({
    title: `【${title}】`,
    yLabel: how.yAscii,
    yFormat: how.yFormat,
    xFormat: (v) => `${v.toFixed(1)} tok/s`,
    points: ascii,
    empty: L.noChartData,
  });
  if (points.length === 0) return { kind: 'chart', id, title, text, note: L.noChartData };
  const svg = xyChart({
    title,
    x: { label: xLabel, zero: true },
    y: { label: yLabel, zero: true },
    series: [
      {
        name: parameterName(sweep, L),
        style: 'line',
        color: colorAt(0),
        points: points.map((p) => [p.x, how.ySvg(p.y)] as const),
        pointLabels: points.map((p) => String(p.level.value)),
        pointTitles: points.map(how.title),
      },
    ],
  });
  return { kind: 'chart', id, title, text, svg, note: `${L.level}: ${parameterName(sweep, L)}` };
}

function levelTiles(level: SweepLevel, sweep: SweepResults, L: Labels): Block {
  const s = level.summary;
  const tiles: PairRow[] = [
    ...volumeTiles(s, L),
    { key: 'per-user', label: L.perUser, value: tokPerSec(tokensPerSecondPerUser(s)) },
    { key: 'ttft-p50', label: 'TTFT P50', value: ms(s.ttft?.p50) },
    { key: 'ttft-p99', label: 'TTFT P99', value: ms(s.ttft?.p99) },
    { key: 'e2e-p50', label: 'E2E P50', value: ms(s.total_time?.p50) },
  ];
  if (s.goodput) tiles.push({ key: 'goodput', label: L.goodputShort, value: ratio(s.goodput.share) });
  const stopped = level.stopped_reason ? ` — ${level.stopped_reason}` : '';
  return { kind: 'tiles', id: `level-${level.value}`, title: `${parameterName(sweep, L)} ${level.value}${stopped}`, tiles, collapsed: true };
}

export const sweepSection: ReportSection = {
  id: 'sweep',
  build(data: ReportData, L: Labels) {
    const sweep = data.sweep;
    if (!sweep) return undefined;
    const blocks: Block[] = [
      levelTable(sweep, L),
      ...notes(sweep, L),
      capacityChart(sweep, L),
      paretoChart(sweep, L),
      ...sweep.levels.map((level) => levelTiles(level, sweep, L)),
    ];
    return { id: 'sweep', title: `${L.sweep}: ${parameterName(sweep, L)} ${sweep.levels.map((l) => l.value).join(', ')}`, blocks };
  },
  brief(data: ReportData, L: Labels) {
    const sweep = data.sweep;
    if (!sweep) return [];
    const table = levelTable(sweep, L);
    const lines = [
      `【${L.sweep}: ${parameterName(sweep, L)}】`,
      ...textTable(table.header, table.rows.map((row) => row.cells.map((cell) => formatCell(cell, false))), table.textColumns),
    ];
    for (const note of notes(sweep, L)) if (note.kind === 'note') lines.push(`! ${note.text}`);
    lines.push('', (capacityChart(sweep, L).text ?? '').trimEnd());
    return lines;
  },
};
