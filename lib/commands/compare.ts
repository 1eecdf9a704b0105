/**
 * `compare BASE NEW [MORE...]`: is any run worse than the base (the first
 * file)? Every other run is compared with the base; one table of metrics with
 * significance-aware verdicts; --fail-on rules (or the default) decide the
 * exit code: 0 no regression, 1 any run regressed, 2 bad usage, an unreadable
 * file, or runs that differ in setup under --strict.
 */
import { resolve } from 'node:path';
import type { ArgsDef } from 'citty';
import { EXIT, optionalChoice, optionalNumber, optionalString, parseStrict, reportCommandError, type CommandIO } from '../config/cli.ts';
import { compareMany, type ComparedRun, type MultiComparison } from '../compare/compare.ts';
import { renderComparisonJson, renderComparisonMarkdown, renderComparisonText } from '../report/compare-render.ts';
import { UsageError } from '../record/errors.ts';
import { renderCompareHtml } from '../report/html-report.ts';
import type { Lang } from '../report/i18n.ts';
import { mergeResults } from '../results/merge.ts';
import { writeFileAtomic } from '../results/results.ts';
import { loadResults } from '../results/results-load.ts';
import { directionWarning, parseRule } from '../stats/rule.ts';
import { summarizeTurns, turnSources } from '../stats/turns.ts';
import type { ServerMetricsBlock } from '../server-metrics/block.ts';

export const compareArgs = {
  base: { type: 'positional', required: false, description: 'the base results file (yesterday, main)' },
  new: { type: 'positional', required: false, description: 'the new results file (today, this branch); more files are each compared with BASE' },
  'fail-on': {
    type: 'string',
    description: 'regression rule, e.g. "ttft.p95 > +10%", "error_rate > 1%" (repeatable; replaces the default rules)',
  },
  format: { type: 'string', alias: 'f', description: 'text (default), markdown, json or html (the runs overlaid)' },
  lang: { type: 'string', description: 'labels: en (default) or zh' },
  confidence: { type: 'string', description: 'confidence of the significance tests, 0.5..0.9999 (default 0.99)' },
  strict: { type: 'boolean', description: 'exit 2 when the runs differ in url, model, concurrency, requests, protocol or dataset' },
  output: { type: 'string', alias: 'o', description: 'write to this file instead of stdout' },
  debug: { type: 'boolean', description: 'show stack traces' },
} as const satisfies ArgsDef;

export const DEFAULT_CONFIDENCE = 0.99;
/** Fixed, so the same two files always give the same verdicts. */
export const BOOTSTRAP_SEED = 1;

interface CompareView {
  comparison: MultiComparison;
  runs: ComparedRun[];
  lang: Lang;
}

/** One renderer per --format; a new format is one more entry. */
export const COMPARE_FORMATS = {
  text: ({ comparison, lang }: CompareView) => renderComparisonText(comparison, { lang }),
  markdown: ({ comparison, lang }: CompareView) => renderComparisonMarkdown(comparison, { lang }),
  json: ({ comparison }: CompareView) => renderComparisonJson(comparison),
  // The runs overlaid, with the table, rules, warnings and verdict computed here.
  html: ({ comparison, runs, lang }: CompareView) => renderCompareHtml(runs, comparison, { lang }),
} satisfies Record<string, (view: CompareView) => string>;
type CompareFormat = keyof typeof COMPARE_FORMATS;

export async function runCompare(rawArgs: string[], io: CommandIO): Promise<number> {
  const debug = rawArgs.includes('--debug');
  try {
    const { values, positionals } = parseStrict(rawArgs, compareArgs, ['fail-on']);
    const format = optionalChoice(values.format, '--format', Object.keys(COMPARE_FORMATS) as CompareFormat[]) ?? 'text';
    const lang = optionalChoice<Lang>(values.lang, '--lang', ['en', 'zh']) ?? 'en';
    const confidence = optionalNumber(values.confidence, '--confidence') ?? DEFAULT_CONFIDENCE;
    if (!(confidence >= 0.5 && confidence <= 0.9999)) {
      throw new UsageError(`option --confidence must be within 0.5..0.9999, got ${confidence}`);
    }
    if (positionals.length < 2) {
      throw new UsageError(`compare needs at least two results files, BASE and NEW (more are each compared with BASE); got ${positionals.length}`);
    }
    const rules = Array.isArray(values['fail-on']) ? (values['fail-on'] as string[]).map(parseRule) : undefined;
    for (const rule of rules ?? []) {
      const warning = directionWarning(rule, true);
      if (warning) io.stderr.write(`warning: ${warning}\n`);
    }

    const runs = await Promise.all(positionals.map((file) => loadRun(file, io)));
    const comparison = compareMany(runs, { rules, confidence, seed: BOOTSTRAP_SEED });
    const incomparable = comparison.comparisons.flatMap((c) => c.incomparable);
    for (const warning of incomparable) io.stderr.write(`warning: ${warning}\n`);
    // Not a difference in setup (--strict ignores it), but Ctrl-C's aborted requests count as errors.
    runs.forEach((run, i) => {
      const role = i === 0 ? 'base' : runs.length === 2 ? 'new' : `#${i + 1}`;
      if (run.results.run.interrupted) io.stderr.write(`warning: the ${role} run (${run.name}) was interrupted: its aborted requests count as errors\n`);
    });

    const text = COMPARE_FORMATS[format]({ comparison, runs, lang });
    const output = optionalString(values.output);
    if (output) await writeFileAtomic(resolve(io.cwd, output), text);
    else io.stdout.write(text);

    if (values.strict === true && incomparable.length > 0) {
      io.stderr.write('error: the runs are not comparable (see the warnings above) and --strict is set\n');
      return EXIT.usage;
    }
    return comparison.regression ? EXIT.failed : EXIT.ok;
  } catch (error) {
    return reportCommandError(error, io, debug);
  }
}

async function loadRun(file: string, io: CommandIO): Promise<ComparedRun> {
  const loaded = await loadResults(resolve(io.cwd, file), file);
  for (const note of loaded.notes) io.stderr.write(`note: ${file}: ${note}\n`);
  const run = mergeResults([{ name: file, results: loaded.results }]);
  const server = run.results.server_metrics as ServerMetricsBlock | undefined;
  return { name: file, results: run.results, summary: run.summary, samples: run.samples, server, turns: turnSources(summarizeTurns(run.records)) };
}
