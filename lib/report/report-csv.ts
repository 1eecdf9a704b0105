/**
 * CSV (RFC 4180), two shapes. renderRequestsCsv: one row per request, the
 * per-request metrics in seconds, its sweep level, group and file, and its
 * error. renderSummaryCsv: every number of every report section
 * (sections.ts) in long form, one row per cell (section, table, row, column,
 * value, unit), which a spreadsheet pivots or pandas reads in one call. Pure.
 */
import { outputTokens, tokensPerSecond, totalTime, tpot, ttfat, ttfb, ttft } from '../stats/metrics.ts';
import type { RequestRecord } from '../record/record.ts';
import { round6 } from '../results/results.ts';
import { labels, type Lang } from './i18n.ts';
import { cellUnit, cellValue, type Cell } from './report-blocks.ts';
import type { ReportData } from './report-data.ts';
import { buildSections } from './sections.ts';

export const CSV_COLUMNS = [
  'request_id',
  'file',
  'level',
  'group',
  'warmup',
  'started_s',
  'ttfb',
  'ttft',
  'ttfat',
  'total_time',
  'tpot',
  'input_tokens',
  'output_tokens',
  'tokens_per_second',
  'stream',
  'status',
  'error_kind',
  'error',
  'session',
  'turn',
] as const;

/** `files[fileIndex[i]]` names the file of records[i]. */
export function renderRequestsCsv(records: readonly RequestRecord[], fileIndex: readonly number[], files: readonly string[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  records.forEach((r, i) => {
    const cells: Array<string | number | null | undefined> = [
      r.id,
      files[fileIndex[i] ?? 0],
      r.level,
      r.group,
      r.warmup ? 'true' : undefined,
      round6(r.startedAt / 1000),
      round6(ttfb(r)),
      round6(ttft(r)),
      round6(ttfat(r)),
      round6(totalTime(r)),
      round6(tpot(r)),
      r.usage?.inputTokens,
      r.error ? undefined : outputTokens(r),
      round6(tokensPerSecond(r)),
      r.nonStreaming ? 'false' : 'true',
      r.status,
      r.error?.kind,
      r.error?.message,
      r.session,
      r.turn,
    ];
    lines.push(cells.map(csvCell).join(','));
  });
  return lines.join('\r\n') + '\r\n';
}

export const SUMMARY_CSV_COLUMNS = ['section', 'table', 'row', 'column', 'value', 'unit'] as const;

/**
 * Every pair and table cell of every section. `row` is the summary field or row key ("ttft", a level's
 * value, a group), `column` the column header (for pairs, "value"); durations in ms, ratios 0..1.
 */
export function renderSummaryCsv(data: ReportData, options: { lang: Lang }): string {
  const L = labels(options.lang);
  const lines = [SUMMARY_CSV_COLUMNS.join(',')];
  const push = (section: string, table: string, row: string, column: string, cell: Cell) => {
    if (cell === undefined || cell === '') return;
    lines.push([section, table, row, column, cellValue(cell), cellUnit(cell)].map(csvCell).join(','));
  };
  for (const section of buildSections(data, L)) {
    for (const block of section.blocks) {
      if (block.kind === 'pairs') {
        for (const row of block.rows) push(section.id, block.id, row.key ?? row.label, 'value', row.value);
      } else if (block.kind === 'table') {
        block.rows.forEach((row, r) => {
          const key = row.key ?? String(r);
          row.cells.forEach((cell, c) => {
            if (c > 0) push(section.id, block.id, key, block.header[c] ?? String(c), cell);
          });
        });
      }
    }
  }
  return lines.join('\r\n') + '\r\n';
}

function csvCell(value: string | number | null | undefined): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
