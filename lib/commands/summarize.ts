/**
 * `summarize FILE...`: the report again, from saved results. Several files
 * (shards of one test) are merged first (lib/merge.ts). The script
 * (scripts/summarize.ts) only wires the exit code.
 */
import { resolve } from 'node:path';
import type { ArgsDef } from 'citty';
import { renderAsciiHistogram } from '../report/ascii-histogram.ts';
import { EXIT, optionalChoice, optionalString, parseStrict, reportCommandError, type CommandIO } from '../config/cli.ts';
import { UsageError } from '../record/errors.ts';
import { summarizeGroups } from '../stats/groups.ts';
import { summarizeTurns } from '../stats/turns.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import { labels, type Lang } from '../report/i18n.ts';
import { mergeResults, type MergedRun } from '../results/merge.ts';
import { renderReport } from '../report/report.ts';
import { renderRequestsCsv } from '../report/report-csv.ts';
import { renderReportMarkdown } from '../report/report-markdown.ts';
import { writeFileAtomic } from '../results/results.ts';
import { loadResults } from '../results/results-load.ts';
import type { ServerMetricsBlock } from '../server-metrics/block.ts';
import type { SelfCheck } from '../stats/selfcheck.ts';

export const summarizeArgs = {
  files: { type: 'positional', required: false, description: 'results files (.json, .jsonl journal, or the original tool\'s JSON); several are merged' },
  format: { type: 'string', alias: 'f', description: 'text (default), markdown, json (the merged results file), csv (one row per request) or html' },
  lang: { type: 'string', description: 'report language: en (default) or zh' },
  output: { type: 'string', alias: 'o', description: 'write to this file instead of stdout' },
  strict: { type: 'boolean', description: 'exit 2 when merged files differ in url, model, protocol or dataset' },
  debug: { type: 'boolean', description: 'show stack traces' },
} as const satisfies ArgsDef;

interface SummaryView {
  merged: MergedRun;
  files: string[];
  lang: Lang;
}

/** One renderer per --format; a new format is one more entry. */
export const SUMMARY_FORMATS = {
  text: ({ merged, lang }: SummaryView) => renderText(merged, lang),
  markdown: ({ merged, files, lang }: SummaryView) =>
    renderReportMarkdown(merged.summary, {
      lang,
      interrupted: merged.results.run.interrupted,
      sources: files,
      shards: merged.results.merged_from,
      turns: summarizeTurns(merged.records),
      server: merged.results.server_metrics as ServerMetricsBlock | undefined,
    }),
  json: ({ merged }: SummaryView) => JSON.stringify(merged.results) + '\n',
  csv: ({ merged, files }: SummaryView) => renderRequestsCsv(merged.records, merged.fileIndex, files),
  html: ({ merged, lang }: SummaryView) => renderHtmlReport(merged.results, { lang }),
} satisfies Record<string, (view: SummaryView) => string>;
type SummaryFormat = keyof typeof SUMMARY_FORMATS;

/** The report as run printed it: with the file's group table, self-check and TTFT histogram. */
function renderText(merged: MergedRun, lang: Lang): string {
  const { results } = merged;
  const groupBy = typeof results.config.group_by === 'string' ? results.config.group_by : undefined;
  const report = renderReport(merged.summary, {
    lang,
    interrupted: results.run.interrupted,
    shards: results.merged_from,
    selfcheck: results.selfcheck as SelfCheck | undefined,
    server: results.server_metrics as ServerMetricsBlock | undefined,
    groups: groupBy !== undefined ? { by: groupBy, rows: summarizeGroups(merged.records) } : undefined,
    turns: summarizeTurns(merged.records),
  });
  const chart = renderAsciiHistogram(merged.samples.ttft, { title: labels(lang).histogramTitle });
  return chart ? report + '\n' + chart : report;
}

export async function runSummarize(rawArgs: string[], io: CommandIO): Promise<number> {
  const debug = rawArgs.includes('--debug');
  try {
    const { values, positionals } = parseStrict(rawArgs, summarizeArgs);
    const format = optionalChoice(values.format, '--format', Object.keys(SUMMARY_FORMATS) as SummaryFormat[]) ?? 'text';
    const lang = optionalChoice<Lang>(values.lang, '--lang', ['en', 'zh']) ?? 'en';
    if (positionals.length === 0) throw new UsageError('summarize needs at least one results file');
    const loaded = await Promise.all(positionals.map((file) => loadResults(resolve(io.cwd, file), file)));
    for (const file of loaded) for (const note of file.notes) io.stderr.write(`note: ${file.path}: ${note}\n`);
    const merged = mergeResults(loaded.map((file) => ({ name: file.path, results: file.results })));
    for (const warning of merged.warnings) io.stderr.write(`warning: ${warning}\n`);

    const text = SUMMARY_FORMATS[format]({ merged, files: positionals, lang });
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
