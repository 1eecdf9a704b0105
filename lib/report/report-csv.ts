/**
 * One CSV row per request (RFC 4180): the per-request metrics in seconds, the
 * file it came from, and its error. Pure.
 */
import { outputTokens, tokensPerSecond, totalTime, tpot, ttfat, ttfb, ttft } from '../stats/metrics.ts';
import type { RequestRecord } from '../record/record.ts';
import { round6 } from '../results/results.ts';

export const CSV_COLUMNS = [
  'request_id',
  'file',
  'started_s',
  'ttfb',
  'ttft',
  'ttfat',
  'total_time',
  'tpot',
  'output_tokens',
  'tokens_per_second',
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
      round6(r.startedAt / 1000),
      round6(ttfb(r)),
      round6(ttft(r)),
      round6(ttfat(r)),
      round6(totalTime(r)),
      round6(tpot(r)),
      r.error ? undefined : outputTokens(r),
      round6(tokensPerSecond(r)),
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

function csvCell(value: string | number | null | undefined): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
