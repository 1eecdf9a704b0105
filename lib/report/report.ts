/**
 * The text report, a pure renderer of the report sections (sections.ts).
 * Two lengths: `brief` (the default on a terminal: a run line, the requests
 * and tokens, one table of metric × mean/P50/P90/P99 with latencies in ms,
 * then one line each for goodput, send lag, stream health, errors and the
 * self-check) and `full` (every section, every statistic). run and summarize
 * both print through it.
 */
import { labels, fill, type Labels, type Lang } from './i18n.ts';
import { formatCell, type Block, type SectionView } from './report-blocks.ts';
import type { ReportData } from './report-data.ts';
import { runLine } from './run-line.ts';
import { buildSections, REPORT_SECTIONS } from './sections.ts';
import { textTable } from './text-table.ts';
import { displayWidth } from '../util/format.ts';

export type ReportDetail = 'brief' | 'full';
export const REPORT_DETAILS: readonly ReportDetail[] = ['brief', 'full'];

export interface ReportOptions {
  lang: Lang;
  /** Default brief. */
  detail?: ReportDetail;
}

const RULE = '='.repeat(60);

export function renderReport(data: ReportData, options: ReportOptions): string {
  const L = labels(options.lang);
  return (options.detail ?? 'brief') === 'full' ? renderFull(data, L) : renderBrief(data, L);
}

function banners(data: ReportData, L: Labels): string[] {
  const lines: string[] = [];
  if (data.run?.interrupted) lines.push(`! ${L.interrupted}`);
  if (data.selfcheck?.client_bound) lines.push(`! ${L.clientBoundWarning}`);
  return lines;
}

function renderBrief(data: ReportData, L: Labels): string {
  const lines: string[] = [];
  const line = runLine(data, L);
  if (line) lines.push(line);
  lines.push(...banners(data, L));
  const more: string[] = [L.allStatistics];
  for (const section of REPORT_SECTIONS) {
    const part = section.brief?.(data, L) ?? [];
    if (part.length === 0) {
      // Not on the one screen: named in the last line, so nothing is dropped without a word.
      const built = section.build(data, L);
      if (built) more.push(built.title);
      continue;
    }
    // Tables and charts stand apart from the one-line sections around them.
    const isBlock = part.some((l) => l.startsWith('  '));
    if (isBlock && lines[lines.length - 1] !== '') lines.push('');
    lines.push(...part);
    if (isBlock) lines.push('');
  }
  if (lines[lines.length - 1] === '') lines.pop();
  lines.push(fill(L.fullReportHint, { sections: more.join(', ') }));
  return lines.join('\n') + '\n';
}

function renderFull(data: ReportData, L: Labels): string {
  const lines: string[] = [RULE, L.title, RULE, ''];
  const line = runLine(data, L);
  if (line) lines.push(line, '');
  const warnings = banners(data, L);
  if (warnings.length > 0) lines.push(...warnings, '');
  for (const section of buildSections(data, L)) lines.push(...sectionLines(section), '');
  lines.push(RULE);
  return lines.join('\n') + '\n';
}

function sectionLines(section: SectionView): string[] {
  const lines = [`【${section.title}】`];
  for (const block of section.blocks) lines.push(...blockLines(block));
  return lines;
}

function blockLines(block: Block): string[] {
  switch (block.kind) {
    case 'pairs': {
      const width = Math.max(...block.rows.map((row) => displayWidth(row.label))) + 2;
      return block.rows.map((row) => `  ${row.label}:${' '.repeat(width - displayWidth(row.label))}${formatCell(row.value, true)}`);
    }
    case 'table':
      return textTable(
        block.header,
        block.rows.map((row) => row.cells.map((cell) => formatCell(cell, false))),
        block.textColumns,
      );
    case 'note':
      return [`  ${block.warning ? '! ' : ''}${block.text}`];
    case 'chart':
      return block.text ? ['', ...block.text.trimEnd().split('\n')] : [];
    case 'tiles':
      // HTML only: the numbers are in the section's table.
      return [];
  }
}
