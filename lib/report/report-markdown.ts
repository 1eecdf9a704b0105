/**
 * The report as markdown, for a CI job summary ($GITHUB_STEP_SUMMARY) or a PR
 * comment: every report section (sections.ts) as tables. Charts are left out
 * (the numbers they draw are in the tables). Pure.
 */
import { labels, type Lang } from './i18n.ts';
import { formatCell, type Block } from './report-blocks.ts';
import type { ReportData } from './report-data.ts';
import { runLine } from './run-line.ts';
import { buildSections } from './sections.ts';

export interface MarkdownReportOptions {
  lang: Lang;
  /** Printed under the title, e.g. the files merged. */
  sources?: string[];
}

export function renderReportMarkdown(data: ReportData, options: MarkdownReportOptions): string {
  const L = labels(options.lang);
  const lines: string[] = [`### streambench: ${L.title}`, ''];
  if (options.sources && options.sources.length > 0) lines.push(options.sources.map((s) => `\`${s}\``).join(' · '), '');
  const line = runLine(data, L);
  if (line) lines.push(escapeText(line), '');
  if (data.run?.interrupted) lines.push(`> ⚠️ ${L.interrupted}`, '');
  if (data.selfcheck?.client_bound) lines.push(`> ⚠️ ${L.clientBoundWarning}`, '');
  for (const section of buildSections(data, L)) {
    lines.push(`#### ${escapeText(section.title)}`, '');
    for (const block of section.blocks) {
      const out = blockLines(block);
      if (out.length > 0) lines.push(...out, '');
    }
  }
  return lines.join('\n').replace(/\n+$/, '') + '\n';
}

function blockLines(block: Block): string[] {
  switch (block.kind) {
    case 'pairs':
      return ['| | |', '|---|--:|', ...block.rows.map((row) => `| ${escapeCell(row.label)} | ${escapeCell(formatCell(row.value, true))} |`)];
    case 'table': {
      const left = (i: number) => i === 0 || (block.textColumns ?? []).includes(i);
      return [
        `| ${block.header.map(escapeCell).join(' | ')} |`,
        `|${block.header.map((_, i) => (left(i) ? '---' : '--:')).join('|')}|`,
        ...block.rows.map((row) => `| ${row.cells.map((cell) => escapeCell(formatCell(cell, false))).join(' | ')} |`),
      ];
    }
    case 'note':
      return [block.warning ? `> ⚠️ ${escapeText(block.text)}` : `_${escapeText(block.text)}_`];
    case 'chart':
    case 'tiles':
      return [];
  }
}

function escapeCell(text: string): string {
  return escapeText(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Characters that would start markup (an error body may hold HTML or asterisks). */
function escapeText(text: string): string {
  return text.replace(/([\\*_<>[\]`])/g, '\\$1');
}
