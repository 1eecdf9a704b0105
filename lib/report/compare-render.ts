/**
 * Renderers for a comparison of two or more runs (the first is the base):
 * text (terminal), markdown (a CI job summary or a PR comment) and json.
 * Two runs keep the two-column layout (base, new, change, change %, verdict);
 * more runs get one table with, per run, its value, change % and verdict.
 * Pure: they return strings.
 */
import { metricsOf, type Comparison, type ComparisonRow, type MultiComparison, type RuleOutcome, type Verdict } from '../compare/compare.ts';
import { fill, labels, type Labels, type Lang } from './i18n.ts';
import { formatMetric, type MetricRef } from '../stats/metric-path.ts';
import { displayWidth } from '../util/format.ts';

export interface CompareRenderOptions {
  lang: Lang;
}

const RULE = '='.repeat(60);

export function renderComparisonText(multi: MultiComparison, options: CompareRenderOptions): string {
  if (multi.comparisons.length === 1) return renderPairText(multi.comparisons[0]!, options);
  const L = labels(options.lang);
  const lines: string[] = [RULE, L.compareTitle, RULE, ''];
  lines.push(...runLegend(multi, L).map((line) => `  ${line}`), '');
  const header = [L.metric, L.base];
  for (const [i] of multi.comparisons.entries()) header.push(runTag(i), L.changePct, L.verdict);
  const body = metricsOf(multi).map((metric) => {
    const cells = [metric, baseValue(multi, metric)];
    for (const comparison of multi.comparisons) {
      const row = comparison.rows.find((r) => r.metric === metric);
      cells.push(row ? value(row, row.next) : '—', row ? formatRelative(row.relative) : '—', row ? verdictLabel(row.verdict, L) : '—');
    }
    return cells;
  });
  // Right-aligned numbers; the metric and each verdict column left-aligned.
  const align = header.map((_, i) => i === 1 || (i >= 2 && (i - 2) % 3 !== 2));
  lines.push(...textTable([header, ...body], align), '');
  lines.push(`【${L.rules}】${multi.comparisons.some((c) => c.rules.some((r) => r.isDefault)) ? ` (${L.defaultRules})` : ''}`);
  const rules = multi.comparisons[0]!.rules.map((r) => r.rule);
  const width = Math.max(...rules.map((rule) => displayWidth(rule))) + 2;
  for (const [k, rule] of rules.entries()) {
    const outcomes = multi.comparisons.map((comparison, i) => {
      const outcome = comparison.rules[k]!;
      return `${runTag(i)} ${outcome.fired ? '✗' : '✓'} ${ruleObservation(outcome, comparison, L)}`;
    });
    lines.push(`  ${rule}${' '.repeat(width - displayWidth(rule))}${outcomes.join('   ')}`);
  }
  lines.push('', `${L.result}: ${multiResultLine(multi, L)}`, `${L.method}: ${methodLine(multi.comparisons[0]!, L)}`, RULE);
  return lines.join('\n') + '\n';
}

/** "#2", "#3": the runs after the base, named in the legend above the table. */
function runTag(index: number): string {
  return `#${index + 2}`;
}

function runLegend(multi: MultiComparison, L: Labels): string[] {
  return [`${L.base}: ${runLine(multi.base, L)}`, ...multi.comparisons.map((c, i) => `${runTag(i)}: ${runLine(c.next, L)}`)];
}

function baseValue(multi: MultiComparison, metric: string): string {
  for (const comparison of multi.comparisons) {
    const row = comparison.rows.find((r) => r.metric === metric);
    if (row) return value(row, row.base);
  }
  return '—';
}

function value(row: ComparisonRow, v: number | undefined): string {
  return v === undefined ? '—' : formatMetric(row.ref, v);
}

/** "no regression", or each regressing run with the rules it broke. */
export function multiResultLine(multi: MultiComparison, L: Labels): string {
  if (multi.comparisons.length === 1) return resultLine(multi.comparisons[0]!, L);
  const regressed = multi.comparisons.flatMap((comparison, i) => {
    const fired = comparison.rules.filter((outcome) => outcome.fired);
    if (fired.length === 0) return [];
    return [`${runTag(i)} ${comparison.next.name}: ${fired.map((o) => `${o.rule} (${ruleObservation(o, comparison, L)})`).join('; ')}`];
  });
  return regressed.length === 0 ? L.noRegression : `${L.regression}: ${regressed.join(' | ')}`;
}

function renderPairText(comparison: Comparison, options: CompareRenderOptions): string {
  const L = labels(options.lang);
  const lines: string[] = [RULE, L.compareTitle, RULE, ''];
  const labelWidth = Math.max(displayWidth(L.base), displayWidth(L.next)) + 1;
  const pad = (label: string) => `${label}:${' '.repeat(labelWidth - displayWidth(label))}`;
  lines.push(`  ${pad(L.base)}${runLine(comparison.base, L)}`, `  ${pad(L.next)}${runLine(comparison.next, L)}`, '');
  const header = [L.metric, L.base, L.next, L.change, L.changePct, L.verdict];
  lines.push(...textTable([header, ...comparison.rows.map((row) => rowCells(row, L))], [false, true, true, true, true, false]), '');

  lines.push(`【${L.rules}】${comparison.rules.some((r) => r.isDefault) ? ` (${L.defaultRules})` : ''}`);
  const width = Math.max(...comparison.rules.map((r) => displayWidth(r.rule))) + 2;
  for (const outcome of comparison.rules) {
    lines.push(`  ${outcome.fired ? '✗' : '✓'} ${outcome.rule}${' '.repeat(width - displayWidth(outcome.rule))}${ruleObservation(outcome, comparison, L)}`);
  }
  lines.push('', `${L.result}: ${resultLine(comparison, L)}`, `${L.method}: ${methodLine(comparison, L)}`, RULE);
  return lines.join('\n') + '\n';
}

const VERDICT_ICON: Record<Verdict, string> = { better: '🟢', worse: '🔴', same: '⚪', 'n/a': '' };

export function renderComparisonMarkdown(multi: MultiComparison, options: CompareRenderOptions): string {
  if (multi.comparisons.length === 1) return renderPairMarkdown(multi.comparisons[0]!, options);
  const L = labels(options.lang);
  const lines: string[] = [`### ${multi.regression ? '❌' : '✅'} ${L.compareTitle}: ${escapeMarkdown(multiResultLine(multi, L))}`, ''];
  lines.push(...runLegend(multi, L).map((line) => `- ${escapeMarkdown(line)}`), '');
  const header = [L.metric, L.base, ...multi.comparisons.flatMap((_, i) => [runTag(i), L.changePct, L.verdict])];
  lines.push(`| ${header.join(' | ')} |`, `|---|--:|${multi.comparisons.map(() => '--:|--:|---|').join('')}`);
  for (const metric of metricsOf(multi)) {
    const cells = [code(metric), baseValue(multi, metric)];
    for (const comparison of multi.comparisons) {
      const row = comparison.rows.find((r) => r.metric === metric);
      const icon = row ? VERDICT_ICON[row.verdict] : '';
      cells.push(row ? value(row, row.next) : '—', row ? formatRelative(row.relative) : '—', row ? `${icon ? `${icon} ` : ''}${verdictLabel(row.verdict, L)}` : '—');
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('', `**${L.rules}**${multi.comparisons.some((c) => c.rules.some((r) => r.isDefault)) ? ` (${L.defaultRules})` : ''}`, '');
  for (const [k, outcome] of multi.comparisons[0]!.rules.entries()) {
    const per = multi.comparisons.map((comparison, i) => {
      const o = comparison.rules[k]!;
      return `${runTag(i)} ${o.fired ? '❌' : '✅'} ${escapeMarkdown(ruleObservation(o, comparison, L))}`;
    });
    lines.push(`- ${code(outcome.rule)}: ${per.join(' · ')}`);
  }
  const warnings = multi.comparisons.flatMap((c, i) => c.incomparable.map((w) => `${runTag(i)}: ${w}`));
  if (warnings.length > 0) {
    lines.push('', `**${L.warnings}**`, '');
    for (const warning of warnings) lines.push(`> ⚠️ ${escapeMarkdown(warning)}`);
  }
  lines.push('', `<sub>${L.method}: ${escapeMarkdown(methodLine(multi.comparisons[0]!, L))}</sub>`);
  return lines.join('\n') + '\n';
}

function renderPairMarkdown(comparison: Comparison, options: CompareRenderOptions): string {
  const L = labels(options.lang);
  const lines: string[] = [
    `### ${comparison.regression ? '❌' : '✅'} ${L.compareTitle}: ${resultLine(comparison, L)}`,
    '',
    `**${L.base}** ${code(comparison.base.name)} (${fill(L.nRequests, { n: comparison.base.requests })}, ${comparison.base.started_at}) · ` +
      `**${L.next}** ${code(comparison.next.name)} (${fill(L.nRequests, { n: comparison.next.requests })}, ${comparison.next.started_at})`,
    '',
    `| ${L.metric} | ${L.base} | ${L.next} | ${L.change} | ${L.changePct} | ${L.verdict} |`,
    '|---|--:|--:|--:|--:|---|',
  ];
  for (const row of comparison.rows) {
    const cells = rowCells(row, L);
    const icon = VERDICT_ICON[row.verdict];
    cells[0] = code(row.metric);
    cells[5] = icon ? `${icon} ${cells[5]}` : (cells[5] as string);
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('', `**${L.rules}**${comparison.rules.some((r) => r.isDefault) ? ` (${L.defaultRules})` : ''}`, '');
  for (const outcome of comparison.rules) {
    lines.push(`- ${outcome.fired ? '❌' : '✅'} ${code(outcome.rule)}: ${ruleObservation(outcome, comparison, L)}`);
  }
  if (comparison.incomparable.length > 0) {
    lines.push('', `**${L.warnings}**`, '');
    for (const warning of comparison.incomparable) lines.push(`> ⚠️ ${escapeMarkdown(warning)}`);
  }
  lines.push('', `<sub>${L.method}: ${escapeMarkdown(methodLine(comparison, L))}</sub>`);
  return lines.join('\n') + '\n';
}

/**
 * Plain data: undefined becomes null, and an infinite relative change null (its verdict still tells).
 * The top level is the comparison of the base with the first other run (the two-file shape), with
 * `regression` true when any run regressed; `comparisons` holds one entry per other run.
 */
export function renderComparisonJson(multi: MultiComparison): string {
  const first = multi.comparisons[0]!;
  return (
    JSON.stringify(
      {
        base: multi.base,
        ...comparisonJson(first),
        regression: multi.regression,
        method: first.method,
        comparisons: multi.comparisons.map(comparisonJson),
      },
      null,
      2,
    ) + '\n'
  );
}

function comparisonJson(comparison: Comparison) {
  const finite = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? null : value);
  return {
        new: comparison.next,
        regression: comparison.regression,
        rows: comparison.rows.map((row) => ({
          metric: row.metric,
          unit: row.ref.unit,
          better: row.ref.better,
          base: finite(row.base),
          new: finite(row.next),
          change: finite(row.change),
          relative: finite(row.relative),
          verdict: row.verdict,
          significant: row.significant,
          test: row.test,
          p: finite(row.p),
          interval: row.interval ?? null,
        })),
        rules: comparison.rules.map((outcome) => ({
          rule: outcome.rule,
          metric: outcome.metric,
          mode: outcome.mode,
          observed: finite(outcome.observed),
          fired: outcome.fired,
          note: outcome.note ?? null,
          default: outcome.isDefault,
        })),
        warnings: comparison.incomparable,
  };
}

function rowCells(row: ComparisonRow, L: Labels): string[] {
  const value = (v: number | undefined) => (v === undefined ? '—' : formatMetric(row.ref, v));
  return [row.metric, value(row.base), value(row.next), formatChange(row.ref, row.change), formatRelative(row.relative), verdictLabel(row.verdict, L)];
}

export function verdictLabel(verdict: Verdict, L: Labels): string {
  return verdict === 'n/a' ? L.untested : L[verdict];
}

/** Signed, in the metric's unit; a change of a ratio in percentage points. */
function formatChange(ref: MetricRef, change: number | undefined): string {
  if (change === undefined) return '—';
  const sign = change > 0 ? '+' : change < 0 ? '-' : '±';
  if (ref.unit === 'ratio') return `${sign}${(Math.abs(change) * 100).toFixed(2)}pp`;
  return `${sign}${formatMetric(ref, Math.abs(change))}`;
}

export function formatRelative(relative: number | undefined): string {
  if (relative === undefined) return '—';
  if (!Number.isFinite(relative)) return relative > 0 ? '+∞' : '-∞';
  return `${relative > 0 ? '+' : relative < 0 ? '' : '±'}${(relative * 100).toFixed(1)}%`;
}

export function ruleObservation(outcome: RuleOutcome, comparison: Comparison, L: Labels): string {
  return `${L.observed} ${observedValue(outcome, comparison)}${outcome.note ? ` (${outcome.note})` : ''}`;
}

function observedValue(outcome: RuleOutcome, comparison: Comparison): string {
  const row = comparison.rows.find((r) => r.metric === outcome.metric);
  if (outcome.observed === undefined || !row) return '—';
  if (outcome.mode === 'absolute') return formatMetric(row.ref, outcome.observed);
  return outcome.mode === 'relative' ? formatRelative(outcome.observed) : formatChange(row.ref, outcome.observed);
}

export function resultLine(comparison: Comparison, L: Labels): string {
  const fired = comparison.rules.filter((outcome) => outcome.fired);
  if (fired.length === 0) return L.noRegression;
  const items = fired.map((outcome) => `${outcome.rule} (${ruleObservation(outcome, comparison, L)})`);
  return `${L.regression}: ${items.join('; ')}`;
}

export function runLine(run: Comparison['base'], L: Labels): string {
  return `${run.name} (${fill(L.nRequests, { n: run.requests })}, ${run.started_at})`;
}

export function methodLine(comparison: Comparison, L: Labels): string {
  const { confidence, resamples, seed } = comparison.method;
  return fill(L.methodSentence, {
    percent: Math.round(confidence * 1000) / 10,
    resamples,
    seed,
    level: Math.round((1 - confidence) * 1e6) / 1e6,
  });
}

function textTable(rows: string[][], alignRight: boolean[]): string[] {
  const widths = alignRight.map((_, column) => Math.max(...rows.map((row) => displayWidth(row[column] ?? ''))));
  return rows.map(
    (row) =>
      '  ' +
      row
        .map((cell, column) => {
          const pad = ' '.repeat((widths[column] as number) - displayWidth(cell));
          return alignRight[column] ? pad + cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
  );
}

function code(text: string): string {
  return '`' + text.replace(/`/g, "'") + '`';
}

function escapeMarkdown(text: string): string {
  return text.replace(/([\\|*_<>[\]])/g, '\\$1');
}
