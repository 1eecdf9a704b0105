/**
 * The sweep table: one row per level (req/s, output tok/s, TTFT p50/p99, TPOT
 * p50, error %, plus send lag p99 in open loop and goodput with SLOs). A pure
 * renderer.
 */
import { labels, type Lang } from './i18n.ts';
import { displayWidth, millis, seconds } from '../util/format.ts';
import { sendLagTooHigh } from './report.ts';
import type { SweepResults } from '../load/sweep.ts';

export function renderSweepTable(sweep: SweepResults, options: { lang: Lang }): string {
  const L = labels(options.lang);
  const levels = sweep.levels;
  const withLag = levels.some((level) => level.summary.send_lag);
  const withGoodput = levels.some((level) => level.summary.goodput);
  const dash = '-';
  const header = [sweep.parameter, L.reqPerSec, `out ${L.tokPerSec}`, 'TTFT p50', 'TTFT p99', 'TPOT p50', L.errorPct];
  if (withLag) header.push('lag p99');
  if (withGoodput) header.push('goodput');
  const rows = levels.map(({ value, summary: s }) => {
    const total = s.total_requests;
    const row = [
      String(value),
      s.requests_per_second.toFixed(2),
      s.output_tokens_per_second.toFixed(1),
      s.ttft ? seconds(s.ttft.p50) : dash,
      s.ttft ? seconds(s.ttft.p99) : dash,
      s.tpot ? millis(s.tpot.p50) : dash,
      total > 0 ? `${((s.failed_count / total) * 100).toFixed(1)}%` : dash,
    ];
    if (withLag) row.push(s.send_lag ? millis(s.send_lag.p99) : dash);
    if (withGoodput) row.push(s.goodput ? `${(s.goodput.share * 100).toFixed(1)}%` : dash);
    return row;
  });
  const widths = header.map((title, i) => Math.max(displayWidth(title), ...rows.map((row) => displayWidth(row[i] as string))));
  const line = (cells: string[]) =>
    '  ' + cells.map((cell, i) => ' '.repeat((widths[i] as number) - displayWidth(cell)) + cell).join('  ');

  const out = [`【${L.sweep}: ${sweep.parameter}】`, line(header), line(widths.map((w) => '-'.repeat(w)))];
  levels.forEach((level, i) => {
    const marker = level.stopped_reason ? `  <- ${level.stopped_reason}` : '';
    out.push(line(rows[i] as string[]) + marker);
  });
  if (sweep.stopped_early) out.push('', `! ${L.stoppedEarly}: ${sweep.stopped_early}`);
  const lagging = levels.filter((level) => sendLagTooHigh(level.summary)).map((level) => level.value);
  if (lagging.length > 0) out.push('', `! ${sweep.parameter} ${lagging.join(', ')}: ${L.lagWarning}`);
  return out.join('\n') + '\n';
}
