/**
 * What a report section holds, independent of the format: key/value pairs,
 * tables, notes and charts, with numbers kept as numbers and a unit. Each
 * renderer (text, markdown, HTML, CSV) draws the same blocks its own way, so
 * a section written once appears in every format (lib/report/sections.ts).
 */
import type { RunSummary } from '../stats/summary.ts';
import type { Labels } from './i18n.ts';
import type { ReportData } from './report-data.ts';

/**
 * ms: a duration held in seconds, shown in milliseconds (every latency, in every format);
 * ratio: 0..1, shown as a percentage; req_s / tok_s: rates; count: a number of things.
 */
export type Unit = 'ms' | 's' | 'ratio' | 'req_s' | 'tok_s' | 'count';

export interface Quantity {
  value: number;
  unit: Unit;
  /** Shown after the number, e.g. "(97.5%)"; not part of the value (CSV leaves it out). */
  note?: string;
}

/** Text, a number with its unit, or undefined: no data ("–"). */
export type Cell = string | Quantity | undefined;

export interface PairRow {
  /** The summary field it shows (HTML data-field, CSV row name). */
  key?: string;
  label: string;
  value: Cell;
}

export interface TableRow {
  /** What the row is (HTML data-metric, CSV row name), e.g. "ttft" or a level's value. */
  key?: string;
  cells: Cell[];
}

export type Block =
  | { kind: 'pairs'; id: string; rows: PairRow[] }
  /** `textColumns`: left-aligned columns (the first always is). Cells are shown without their unit: the header names it. */
  | { kind: 'table'; id: string; header: string[]; rows: TableRow[]; textColumns?: number[] }
  | { kind: 'note'; text: string; warning?: boolean }
  /**
   * A chart: `text` for the terminal (ASCII), `svg` for HTML; markdown and CSV have no charts (the numbers
   * drawn are in the section's table). A chart that has neither is skipped.
   */
  | { kind: 'chart'; id: string; title: string; text?: string; svg?: string; note?: string }
  /**
   * Headline numbers as tiles, HTML only (they repeat numbers the section's table already holds);
   * `collapsed`: behind a click (<details>), with `title` as its summary.
   */
  | { kind: 'tiles'; id: string; title: string; tiles: PairRow[]; collapsed?: boolean };

export interface SectionView {
  id: string;
  title: string;
  blocks: Block[];
}

/** Milliseconds with precision that suits the size: 0.42, 12.34, 153.2, 1532. */
export function formatMs(seconds: number): string {
  const ms = seconds * 1000;
  const abs = Math.abs(ms);
  return ms.toFixed(abs >= 1000 ? 0 : abs >= 100 ? 1 : 2);
}

/** A count: whole numbers as they are, others with one decimal (mean tokens per request). */
export function formatCount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

const SUFFIX: Record<Unit, string> = { ms: ' ms', s: ' s', ratio: '', req_s: ' req/s', tok_s: ' tok/s', count: '' };

/** The number as people read it; `withUnit` adds the unit (in pairs; a table's header names it instead). */
export function formatQuantity(q: Quantity, withUnit: boolean): string {
  let text: string;
  switch (q.unit) {
    case 'ms':
      text = formatMs(q.value);
      break;
    case 's':
      text = q.value.toFixed(3);
      break;
    case 'ratio':
      text = `${(q.value * 100).toFixed(1)}%`;
      break;
    case 'req_s':
      text = q.value.toFixed(2);
      break;
    case 'tok_s':
      text = q.value.toFixed(1);
      break;
    case 'count':
      text = formatCount(q.value);
      break;
  }
  if (withUnit) text += SUFFIX[q.unit];
  return q.note ? `${text} ${q.note}` : text;
}

export const NO_DATA = '–';

export function formatCell(cell: Cell, withUnit: boolean): string {
  if (cell === undefined) return NO_DATA;
  return typeof cell === 'string' ? cell : formatQuantity(cell, withUnit);
}

/** A cell's value for CSV: the number in the unit shown (ms for durations), or the text. */
export function cellValue(cell: Cell): string | number | undefined {
  if (cell === undefined || typeof cell === 'string') return cell;
  return cell.unit === 'ms' ? Math.round(cell.value * 1e6) / 1e3 : cell.value;
}

/** The unit a CSV row names (ms for durations). */
export function cellUnit(cell: Cell): string {
  return cell === undefined || typeof cell === 'string' ? '' : cell.unit;
}

export const ms = (value: number | undefined): Cell => (value === undefined ? undefined : { value, unit: 'ms' });
export const count = (value: number | undefined, note?: string): Cell =>
  value === undefined ? undefined : note ? { value, unit: 'count', note } : { value, unit: 'count' };
export const ratio = (value: number | undefined): Cell => (value === undefined ? undefined : { value, unit: 'ratio' });
export const reqPerSec = (value: number | undefined): Cell => (value === undefined ? undefined : { value, unit: 'req_s' });
export const tokPerSec = (value: number | undefined): Cell => (value === undefined ? undefined : { value, unit: 'tok_s' });

export interface ReportSection {
  id: string;
  /** The section's content, or undefined when the data has nothing for it. */
  build(data: ReportData, L: Labels): SectionView | undefined;
  /**
   * Its lines in the one-screen terminal report. Without `brief` (or when it returns none), a section that
   * has content is named in the report's last line ("More with --report full: ...").
   */
  brief?(data: ReportData, L: Labels): string[];
}

/** The tiles every run or level opens with: requests, success rate, request and output token throughput. */
export function volumeTiles(s: RunSummary, L: Labels): PairRow[] {
  return [
    { key: 'total-requests', label: L.total, value: count(s.total_requests) },
    { key: 'success-rate', label: L.successRate, value: ratio(s.total_requests > 0 ? s.success_count / s.total_requests : undefined) },
    { key: 'throughput', label: L.throughput, value: reqPerSec(s.requests_per_second) },
    { key: 'output-tokens-per-second', label: L.outputRate, value: tokPerSec(s.output_tokens_per_second) },
  ];
}
