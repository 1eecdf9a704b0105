/**
 * `summarize FILE...`: the report again, from saved results. Several files
 * (shards of one test) are merged first (lib/merge.ts). The script
 * (scripts/summarize.ts) only wires the exit code.
 */
import { resolve } from 'node:path';
import type { ArgsDef } from 'citty';
import { EXIT, optionalChoice, optionalString, parseStrict, reportCommandError, type CommandIO } from '../config/cli.ts';
import { UsageError } from '../record/errors.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import type { Lang } from '../report/i18n.ts';
import { mergeResults, type MergedRun } from '../results/merge.ts';
import { REPORT_DETAILS, renderReport, type ReportDetail } from '../report/report.ts';
import { renderRequestsCsv, renderSummaryCsv } from '../report/report-csv.ts';
import { reportDataFromResults, type ReportData } from '../report/report-data.ts';
import { renderReportMarkdown } from '../report/report-markdown.ts';
import { writeFileAtomic } from '../results/results.ts';
import { loadResults } from '../results/results-load.ts';

export const summarizeArgs = {
  files: { type: 'positional', required: false, description: 'results files (.json, .jsonl journal, or the original tool\'s JSON); several are merged' },
  format: {
    type: 'string',
    alias: 'f',
    description: 'text (default), markdown, json (the merged results file), csv (one row per request), summary-csv (every report number, one row each) or html',
  },
  report: { type: 'string', description: 'text report length: brief (default, one screen) or full (every section and statistic)' },
  'full-report': { type: 'boolean', description: 'same as --report full' },
  lang: { type: 'string', description: 'report language: en (default) or zh' },
  output: { type: 'string', alias: 'o', description: 'write to this file instead of stdout' },
  strict: { type: 'boolean', description: 'exit 2 when merged files differ in url, model, protocol or dataset' },
  debug: { type: 'boolean', description: 'show stack traces' },
} as const satisfies ArgsDef;

interface SummaryView {
  merged: MergedRun;
  data: ReportData;
  files: string[];
  lang: Lang;
  detail: ReportDetail;
}

/** One renderer per --format; a new format is one more entry. */
export const SUMMARY_FORMATS = {
  text: ({ data, lang, detail }: SummaryView) => renderReport(data, { lang, detail }),
  markdown: ({ data, files, lang }: SummaryView) => renderReportMarkdown(data, { lang, sources: files }),
  json: ({ merged }: SummaryView) => JSON.stringify(merged.results) + '\n',
  csv: ({ merged, files }: SummaryView) => renderRequestsCsv(merged.records, merged.fileIndex, files),
  'summary-csv': ({ data, lang }: SummaryView) => renderSummaryCsv(data, { lang }),
  html: ({ merged, lang }: SummaryView) => renderHtmlReport(merged.results, { lang }),
} satisfies Record<string, (view: SummaryView) => string>;
type SummaryFormat = keyof typeof SUMMARY_FORMATS;

export async function runSummarize(rawArgs: string[], io: CommandIO): Promise<number> {
  const debug = rawArgs.includes('--debug');
  try {
    const { values, positionals } = parseStrict(rawArgs, summarizeArgs);
    const format = optionalChoice(values.format, '--format', Object.keys(SUMMARY_FORMATS) as SummaryFormat[]) ?? 'text';
    const lang = optionalChoice<Lang>(values.lang, '--lang', ['en', 'zh']) ?? 'en';
    const detail = values['full-report'] === true ? 'full' : (optionalChoice(values.report, '--report', REPORT_DETAILS) ?? 'brief');
    if (positionals.length === 0) throw new UsageError('summarize needs at least one results file');
    const loaded = await Promise.all(positionals.map((file) => loadResults(resolve(io.cwd, file), file)));
    for (const file of loaded) for (const note of file.notes) io.stderr.write(`note: ${file.path}: ${note}\n`);
    const merged = mergeResults(loaded.map((file) => ({ name: file.path, results: file.results })));
    for (const warning of merged.warnings) io.stderr.write(`warning: ${warning}\n`);

    const data = reportDataFromResults(merged.results, merged);
    const text = SUMMARY_FORMATS[format]({ merged, data, files: positionals, lang, detail });
    const output = optionalString(values.output);
    if (output) await writeFileAtomic(resolve(io.cwd, output), text);
    else io.stdout.write(text);

    if (values.strict === true && merged.warnings.length > 0) {
      io.stderr.write(`error: the files differ (see the warnings above) and --strict is set\n`);
      return EXIT.usage;
    }
    return EXIT.ok;
  } catch (error) {
    return reportCommandError(error, io, debug);
  }
}
