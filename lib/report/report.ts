/**
 * The text report: a pure renderer from a RunSummary to a string, with the
 * original tool's sections. run and summarize both print through it.
 */
import type { GroupSummary } from '../stats/groups.ts';
import { labels, type Labels, type Lang } from './i18n.ts';
import { ELD_LIMIT_MS, CPU_LIMIT_PERCENT, type SelfCheck } from '../stats/selfcheck.ts';
import type { MergedFrom } from '../results/results.ts';
import type { Distribution } from '../stats/stats.ts';
import type { RunSummary } from '../stats/summary.ts';
import type { TurnSummary } from '../stats/turns.ts';
import { turnTables } from './turns-report.ts';
import { displayWidth, millis, seconds } from '../util/format.ts';
import type { ServerMetricsBlock } from '../server-metrics/block.ts';
import { serverSectionText } from './server-section.ts';
import { workloadRows } from './workload-section.ts';

export interface ReportOptions {
  lang: Lang;
  interrupted?: boolean;
  selfcheck?: SelfCheck;
  /** The group_by column and its per-group summaries: adds a per-group table. */
  groups?: { by: string; rows: readonly GroupSummary[] };
  /** The files a merged report came from (results.merged_from): adds a per-shard table. */
  shards?: readonly MergedFrom[];
  /** Per-turn results of a run with conversations (stats/turns.ts): adds the per-turn and per-conversation tables. */
  turns?: TurnSummary;
  /** The server's own metrics (results.server_metrics): adds the Server section. */
  server?: ServerMetricsBlock;
}

const RULE = '='.repeat(60);

/** The report warns above this send lag p99 (seconds). */
export const SEND_LAG_WARN_SECONDS = 0.01;

export function sendLagTooHigh(summary: Pick<RunSummary, 'send_lag'>): boolean {
  return (summary.send_lag?.p99 ?? 0) > SEND_LAG_WARN_SECONDS;
}

export function renderReport(summary: RunSummary, options: ReportOptions): string {
  const L = labels(options.lang);
  const lines: string[] = [RULE, L.title, RULE, ''];
  if (options.interrupted) lines.push(`! ${L.interrupted}`, '');
  if (options.selfcheck?.client_bound) lines.push(`! ${L.clientBoundWarning}`, '');

  const total = summary.total_requests;
  const pct = (n: number) => (total > 0 ? `${((n / total) * 100).toFixed(1)}%` : '-');
  const overall: Array<[string, string]> = [
    [L.total, String(total)],
    [L.success, `${summary.success_count} (${pct(summary.success_count)})`],
    [L.failed, `${summary.failed_count} (${pct(summary.failed_count)})`],
    [L.wall, seconds(summary.wall_time)],
    [L.throughput, `${summary.requests_per_second.toFixed(2)} ${L.reqPerSec}`],
    [L.outputTokens, `${summary.output_tokens} (${summary.output_tokens_per_second.toFixed(1)} ${L.tokPerSec})`],
    [L.peakRate, `${summary.peak_output_tokens_per_second.toFixed(1)} ${L.tokPerSec}`],
  ];
  if (summary.input_tokens > 0) overall.push([L.inputTokens, String(summary.input_tokens)]);
  if (summary.warmup_requests) overall.push([L.warmup, String(summary.warmup_requests)]);
  section(lines, L.overall, overall);

  distributionSection(lines, L, L.ttft, summary.ttft, seconds);
  if (summary.ttfat && summary.ttft && summary.ttfat.p50 !== summary.ttft.p50) {
    distributionSection(lines, L, L.ttfat, summary.ttfat, seconds);
  }
  distributionSection(lines, L, L.totalTime, summary.total_time, seconds);
  if (summary.tpot) distributionSection(lines, L, L.tpot, summary.tpot, millis);
  if (summary.itl) distributionSection(lines, L, L.itl, summary.itl, millis);
  if (summary.max_stall) distributionSection(lines, L, L.maxStall, summary.max_stall, millis);
  const rate = summary.tokens_per_second;
  section(
    lines,
    L.rate,
    rate
      ? [
          [L.mean, `${rate.mean.toFixed(2)} ${L.tokPerSec}`],
          [L.median, `${rate.median.toFixed(2)} ${L.tokPerSec}`],
          [L.max, `${rate.max.toFixed(2)} ${L.tokPerSec}`],
        ]
      : [[L.noData, '']],
  );

  if (summary.workload) {
    const workload = workloadRows(summary.workload, options.lang);
    if (workload.rows.length > 0) section(lines, workload.title, workload.rows);
  }
  if (options.groups && options.groups.rows.length > 0) groupTable(lines, L, options.groups.by, options.groups.rows);
  if (options.turns) {
    const turns = turnTables(options.turns, L);
    table(lines, turns.byTurn.title, turns.byTurn.header, turns.byTurn.rows);
    section(lines, turns.totals.title, turns.totals.rows);
    lines.splice(lines.length - 1, 0, `  ${turns.note}`);
  }
  if (options.shards && options.shards.length > 1) table(lines, L.shardTable, ...shardTable(L, options.shards));
  section(lines, L.health, healthRows(summary, L));
  if (options.server) lines.push(...serverSectionText(options.server, { ttft: summary.ttft, outputTokens: summary.output_tokens }, options.lang));

  scheduleSection(lines, L, summary);
  goodputSection(lines, L, summary);

  const kinds = Object.entries(summary.errors).filter(([, count]) => (count ?? 0) > 0);
  const errorRows: Array<[string, string]> =
    kinds.length === 0
      ? [[L.noErrors, '']]
      : kinds.map(([kind, count]) => {
          const sample = summary.error_samples[kind as keyof typeof summary.error_samples];
          return [kind, `${count}${sample ? `  e.g. ${sample}` : ''}`];
        });
  if (summary.retries) {
    errorRows.push([L.retries, fill(L.retriesValue, { n: summary.retries, recovered: summary.recovered_by_retry ?? 0 })]);
  }
  section(lines, L.errors, errorRows);
  const check = options.selfcheck;
  if (check) {
    section(lines, L.selfcheck, [
      [L.eventLoopDelay, `${check.event_loop_delay_p99_ms.toFixed(2)}ms (${L.limit} ${ELD_LIMIT_MS}ms)`],
      [L.clientCpu, `${check.cpu_percent.toFixed(1)}% (${L.limit} ${CPU_LIMIT_PERCENT}% ${L.perCore})`],
      [L.verdict, check.client_bound ? L.clientBoundWarning : L.clientOk],
      ...scrapeCostRow(check, L),
    ]);
  }
  lines.push(RULE);
  return lines.join('\n') + '\n';
}

/** What scraping the server's metrics held the event loop for (absent without --server-metrics). */
function scrapeCostRow(check: SelfCheck, L: Labels): Array<[string, string]> {
  const cost = check.server_metrics;
  if (!cost) return [];
  const values = { n: String(cost.scrapes), busy: `${cost.busy_ms.toFixed(1)}ms`, longest: `${cost.max_block_ms.toFixed(2)}ms`, kb: (cost.bytes / 1024).toFixed(0) };
  return [[L.metricsScraping, L.scrapeCost.replace(/\{(\w+)\}/g, (_, key: keyof typeof values) => values[key])]];
}

function healthRows(summary: RunSummary, L: Labels): Array<[string, string]> {
  const sources = summary.token_sources;
  const sourceText = (
    [
      [L.sourceUsage, sources.usage],
      [L.sourceTokenizer, sources.tokenizer],
      [L.sourceEvents, sources.events],
    ] as const
  )
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  const codes = Object.entries(summary.error_codes);
  const mismatch = summary.token_count_mismatch;
  const rows: Array<[string, string]> = [
    [L.truncated, String(summary.truncated_count)],
    [L.streamErrors, codes.length === 0 ? L.noErrors : codes.map(([code, n]) => `${code} ×${n}`).join(', ')],
    [L.tokenSources, sourceText || '-'],
  ];
  if (sources.usage > 0) {
    rows.push([
      L.usageVsEvents,
      mismatch.requests === 0 ? L.agree : `! ${fill(L.mismatch, { n: mismatch.requests, usage: mismatch.usage_tokens, events: mismatch.event_tokens })}`,
    ]);
  }
  if (summary.truncated_count > 0) rows.push([`! ${fill(L.truncatedNote, { n: summary.truncated_count })}`, '']);
  return rows;
}

const fill = (template: string, values: Record<string, number>) =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key]));

function distributionSection(
  lines: string[],
  L: Labels,
  title: string,
  d: Distribution | undefined,
  format: (value: number) => string,
): void {
  if (!d) return section(lines, title, [[L.noData, '']]);
  section(lines, title, [
    [L.min, format(d.min)],
    [L.max, format(d.max)],
    [L.mean, format(d.mean)],
    [L.median, format(d.median)],
    [L.std, format(d.std)],
    ['P50', format(d.p50)],
    ['P90', format(d.p90)],
    ['P95', format(d.p95)],
    ['P99', format(d.p99)],
  ]);
}

/** Open loop: send lag, and latency from the actual vs the intended send. */
function scheduleSection(lines: string[], L: Labels, summary: RunSummary): void {
  const lag = summary.send_lag;
  if (!lag) return;
  const pair = (d: { p50: number; p99: number } | undefined) => (d ? `P50 ${seconds(d.p50)}  P99 ${seconds(d.p99)}` : '-');
  section(lines, L.schedule, [
    [L.sendLag, `P50 ${millis(lag.p50)}  P99 ${millis(lag.p99)}  ${L.max} ${millis(lag.max)}`],
    [`TTFT, ${L.fromActual}`, pair(summary.ttft)],
    [`TTFT, ${L.fromIntended}`, pair(summary.ttft_from_intended)],
    [`E2E, ${L.fromActual}`, pair(summary.total_time)],
    [`E2E, ${L.fromIntended}`, pair(summary.total_time_from_intended)],
  ]);
  if (sendLagTooHigh(summary)) lines.splice(lines.length - 1, 0, `  ! ${L.lagWarning}`);
}

function goodputSection(lines: string[], L: Labels, summary: RunSummary): void {
  const goodput = summary.goodput;
  if (!goodput) return;
  const slo = Object.entries(goodput.slo)
    .map(([metric, limit]) => `${metric.toUpperCase()} <= ${seconds(limit as number)}`)
    .join(', ');
  section(lines, `${L.goodput}: ${slo}`, [
    [L.sloMet, `${goodput.met}/${summary.total_requests} (${(goodput.share * 100).toFixed(1)}%)`],
    [L.sloRate, `${goodput.per_second.toFixed(2)} ${L.reqPerSec}`],
  ]);
}

/** Count, TTFT P50/P95 and mean per-request tokens/s of each group; "-" where a group has no successful request. */
function groupTable(lines: string[], L: Labels, by: string, groups: readonly GroupSummary[]): void {
  const header = [L.group, L.requests, L.failed, 'TTFT P50', 'TTFT P95', L.tokPerSecMean];
  const rows = groups.map(({ group, summary }) => [
    group,
    String(summary.total_requests),
    String(summary.failed_count),
    summary.ttft ? seconds(summary.ttft.p50) : '-',
    summary.ttft ? seconds(summary.ttft.p95) : '-',
    summary.tokens_per_second ? summary.tokens_per_second.mean.toFixed(2) : '-',
  ]);
  table(lines, `${L.groupTable}: ${by}`, header, rows);
}

/**
 * One row per merged file: its shard, requests, failures and own TTFT P50, where its load began on the merged
 * timeline, and how late it began after --start-at on its own clock. "-" where a file has no such value.
 */
export function shardTable(L: Labels, shards: readonly MergedFrom[]): [string[], string[][]] {
  const header = [L.file, L.shard, L.requests, L.failed, 'TTFT P50', L.startMs, L.afterStartAtMs];
  const rows = shards.map((source) => [
    source.file,
    source.shard ? `${source.shard.index}/${source.shard.count}` : '-',
    String(source.requests),
    source.failed === undefined ? '-' : String(source.failed),
    source.ttft_p50 == null ? '-' : seconds(source.ttft_p50),
    `+${Math.round(source.offset_ms)}`,
    source.shard?.clock_offset_ms === undefined ? '-' : `${source.shard.clock_offset_ms >= 0 ? '+' : ''}${Math.round(source.shard.clock_offset_ms)}`,
  ]);
  return [header, rows];
}

/** A titled table: the first column left-aligned, the others right-aligned, CJK-width aware. */
function table(lines: string[], title: string, header: string[], rows: string[][]): void {
  const widths = header.map((name, i) => Math.max(displayWidth(name), ...rows.map((row) => displayWidth(row[i] ?? ''))));
  const pad = (cells: string[]) =>
    '  ' +
    cells
      .map((cell, i) => {
        const fill = ' '.repeat((widths[i] ?? 0) - displayWidth(cell));
        return i === 0 ? cell + fill : fill + cell;
      })
      .join('  ')
      .trimEnd();
  lines.push(`【${title}】`, pad(header), ...rows.map(pad), '');
}

function section(lines: string[], title: string, rows: Array<[string, string]>): void {
  lines.push(`【${title}】`);
  const width = Math.max(...rows.map(([label]) => displayWidth(label))) + 2;
  for (const [label, value] of rows) {
    lines.push(value ? `  ${label}:${' '.repeat(width - displayWidth(label))}${value}` : `  ${label}`);
  }
  lines.push('');
}

