/**
 * The report as markdown, for a CI job summary ($GITHUB_STEP_SUMMARY) or a PR
 * comment: the same numbers as the text report, in tables. Pure.
 */
import { labels, type Lang } from './i18n.ts';
import { millis, seconds } from '../util/format.ts';
import { shardTable } from './report.ts';
import { workloadMarkdown } from './workload-section.ts';
import type { MergedFrom } from '../results/results.ts';
import type { Distribution } from '../stats/stats.ts';
import type { RunSummary } from '../stats/summary.ts';
import type { TurnSummary } from '../stats/turns.ts';
import { turnsMarkdown } from './turns-report.ts';
import type { ServerMetricsBlock } from '../server-metrics/block.ts';
import { serverSectionMarkdown } from './server-section.ts';

export interface MarkdownReportOptions {
  lang: Lang;
  interrupted?: boolean;
  /** Printed under the title, e.g. the files merged. */
  sources?: string[];
  /** The files a merged report came from (results.merged_from): adds a per-shard table. */
  shards?: readonly MergedFrom[];
  /** Per-turn results of a run with conversations: adds the per-turn tables. */
  turns?: TurnSummary;
  /** The server's own metrics (results.server_metrics): adds the Server section. */
  server?: ServerMetricsBlock;
}

export function renderReportMarkdown(summary: RunSummary, options: MarkdownReportOptions): string {
  const L = labels(options.lang);
  const lines: string[] = [`### streambench: ${L.title}`, ''];
  if (options.sources && options.sources.length > 0) lines.push(options.sources.map((s) => `\`${s}\``).join(' · '), '');
  if (options.interrupted) lines.push(`> ⚠️ ${L.interrupted}`, '');

  const total = summary.total_requests;
  const pct = (n: number) => (total > 0 ? ` (${((n / total) * 100).toFixed(1)}%)` : '');
  lines.push(
    `| ${L.overall} | |`,
    '|---|--:|',
    `| ${L.total} | ${total} |`,
    `| ${L.success} | ${summary.success_count}${pct(summary.success_count)} |`,
    `| ${L.failed} | ${summary.failed_count}${pct(summary.failed_count)} |`,
    `| ${L.wall} | ${seconds(summary.wall_time)} |`,
    `| ${L.throughput} | ${summary.requests_per_second.toFixed(2)} ${L.reqPerSec} |`,
    `| ${L.outputTokens} | ${summary.output_tokens} (${summary.output_tokens_per_second.toFixed(1)} ${L.tokPerSec}) |`,
    '',
  );

  const rate = (value: number) => `${value.toFixed(2)}`;
  const distributions: Array<[string, Distribution | undefined, (value: number) => string]> = [
    [L.ttft, summary.ttft, seconds],
    [L.ttfat, summary.ttfat && summary.ttft && summary.ttfat.p50 !== summary.ttft.p50 ? summary.ttfat : undefined, seconds],
    [L.totalTime, summary.total_time, seconds],
    [L.tpot, summary.tpot, millis],
    [`${L.rate} (${L.tokPerSec})`, summary.tokens_per_second, rate],
  ];
  const present = distributions.filter(([, d]) => d !== undefined);
  if (present.length === 0) {
    lines.push(`_${L.noData}_`, '');
  } else {
    lines.push(`| ${L.metric} | ${L.min} | ${L.mean} | P50 | P90 | P95 | P99 | ${L.max} |`, '|---|--:|--:|--:|--:|--:|--:|--:|');
    for (const [title, d, format] of present) {
      const { min, mean, p50, p90, p95, p99, max } = d as Distribution;
      lines.push(`| ${title} | ${[min, mean, p50, p90, p95, p99, max].map(format).join(' | ')} |`);
    }
    lines.push('');
  }

  if (summary.workload) lines.push(workloadMarkdown(summary.workload, options.lang));

  if (options.shards && options.shards.length > 1) {
    const [header, rows] = shardTable(L, options.shards);
    lines.push(
      `**${L.shardTable}**`,
      '',
      `| ${header.join(' | ')} |`,
      `|${header.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`,
      ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
      '',
    );
  }

  if (options.turns) lines.push(...turnsMarkdown(options.turns, L));
  if (options.server) lines.push(serverSectionMarkdown(options.server, { ttft: summary.ttft, outputTokens: summary.output_tokens }, options.lang));

  const kinds = Object.entries(summary.errors).filter(([, count]) => (count ?? 0) > 0);
  lines.push(`**${L.errors}**: ${kinds.length === 0 ? L.noErrors : ''}`.trimEnd());
  if (kinds.length > 0) {
    lines.push('', `| ${L.kind} | ${L.count} | ${L.example} |`, '|---|--:|---|');
    for (const [kind, count] of kinds) {
      const sample = summary.error_samples[kind as keyof typeof summary.error_samples] ?? '';
      lines.push(`| ${kind} | ${count} | ${escapeCell(sample)} |`);
    }
  }
  return lines.join('\n') + '\n';
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
