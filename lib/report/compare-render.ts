/**
 * Renderers for a Comparison: text (terminal), markdown (a CI job summary or
 * a PR comment) and json. Pure: they return strings.
 */
import type { Comparison, ComparisonRow, RuleOutcome, Verdict } from '../compare/compare.ts';
import { fill, labels, type Labels, type Lang } from './i18n.ts';
import { formatMetric, type MetricRef } from '../stats/metric-path.ts';
import { displayWidth } from '../util/format.ts';

export interface CompareRenderOptions {
  lang: Lang;
}

const RULE = '='.repeat(60);

export function renderComparisonText(comparison: Comparison, options: CompareRenderOptions): string {
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

export function renderComparisonMarkdown(comparison: Comparison, options: CompareRenderOptions): string {
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

/** Plain data: undefined becomes null, and an infinite relative change null (its verdict still tells). */
export function renderComparisonJson(comparison: Comparison): string {
  const finite = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? null : value);
  return (
    JSON.stringify(
      {
        base: comparison.base,
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
        method: comparison.method,
      },
      null,
      2,
    ) + '\n'
  );
}

function rowCells(row: ComparisonRow, L: Labels): string[] {
  const value = (v: number | undefined) => (v === undefined ? '—' : formatMetric(row.ref, v));
  return [row.metric, value(row.base), value(row.next), formatChange(row.ref, row.change), formatRelative(row.relative), verdictLabel(row.verdict, L)];
}

function verdictLabel(verdict: Verdict, L: Labels): string {
  return verdict === 'n/a' ? L.untested : L[verdict];
}

/** Signed, in the metric's unit; a change of a ratio in percentage points. */
function formatChange(ref: MetricRef, change: number | undefined): string {
  if (change === undefined) return '—';
  const sign = change > 0 ? '+' : change < 0 ? '-' : '±';
  if (ref.unit === 'ratio') return `${sign}${(Math.abs(change) * 100).toFixed(2)}pp`;
  return `${sign}${formatMetric(ref, Math.abs(change))}`;
}

function formatRelative(relative: number | undefined): string {
  if (relative === undefined) return '—';
  if (!Number.isFinite(relative)) return relative > 0 ? '+∞' : '-∞';
  return `${relative > 0 ? '+' : relative < 0 ? '' : '±'}${(relative * 100).toFixed(1)}%`;
}

function ruleObservation(outcome: RuleOutcome, comparison: Comparison, L: Labels): string {
  return `${L.observed} ${observedValue(outcome, comparison)}${outcome.note ? ` (${outcome.note})` : ''}`;
}

function observedValue(outcome: RuleOutcome, comparison: Comparison): string {
  const row = comparison.rows.find((r) => r.metric === outcome.metric);
  if (outcome.observed === undefined || !row) return '—';
  if (outcome.mode === 'absolute') return formatMetric(row.ref, outcome.observed);
  return outcome.mode === 'relative' ? formatRelative(outcome.observed) : formatChange(row.ref, outcome.observed);
}

function resultLine(comparison: Comparison, L: Labels): string {
  const fired = comparison.rules.filter((outcome) => outcome.fired);
  if (fired.length === 0) return L.noRegression;
  const items = fired.map((outcome) => `${outcome.rule} (${ruleObservation(outcome, comparison, L)})`);
  return `${L.regression}: ${items.join('; ')}`;
}

function runLine(run: Comparison['base'], L: Labels): string {
  return `${run.name} (${fill(L.nRequests, { n: run.requests })}, ${run.started_at})`;
}

function methodLine(comparison: Comparison, L: Labels): string {
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
