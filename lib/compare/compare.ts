/**
 * compare: two runs, metric by metric, with a direction-aware verdict that
 * only calls a change better or worse when it is statistically significant
 * (lib/significance.ts), and --fail-on rules that decide the exit code. Pure:
 * renderers in compare-render.ts turn the Comparison into text.
 */
import { comparabilityWarnings } from '../results/comparability.ts';
import {
  metricValue,
  resolveMetricPath,
  sourceOf,
  statOfSorted,
  type MetricRef,
  type MetricSource,
} from '../stats/metric-path.ts';
import type { Results } from '../results/results.ts';
import { holds, parseRule, type Rule, type RuleMode } from '../stats/rule.ts';
import { bootstrapDifferences, bootstrapResamples, compoundRateTest, rateTest, twoProportionTest } from './significance.ts';

export interface ComparedRun extends MetricSource {
  name: string;
  results: Results;
}

export interface CompareOptions {
  /** --fail-on rules; undefined means DEFAULT_FAIL_ON. */
  rules?: Rule[];
  /** Of the bootstrap intervals; 1 - confidence is the level of every test. */
  confidence: number;
  seed: number;
}

export type Verdict = 'better' | 'worse' | 'same' | 'n/a';
export type TestName = 'bootstrap' | 'two-proportion' | 'poisson-rate' | 'compound-poisson-rate' | 'none';

export interface ComparisonRow {
  metric: string;
  ref: MetricRef;
  base: number | undefined;
  next: number | undefined;
  /** next - base. */
  change: number | undefined;
  /** change / base: Infinity when base is 0 and next is not, 0 when both are 0. */
  relative: number | undefined;
  test: TestName;
  p: number | undefined;
  /** Bootstrap confidence interval of the change. */
  interval: [number, number] | undefined;
  significant: boolean;
  verdict: Verdict;
}

export interface RuleOutcome {
  rule: string;
  metric: string;
  mode: RuleMode;
  /** absolute: the new run's value; relative: the relative change; change: the change. */
  observed: number | undefined;
  fired: boolean;
  /** Why a rule did or did not fire beyond its comparison: "not significant", "no data in new". */
  note?: string;
  isDefault: boolean;
}

export interface Comparison {
  base: RunInfo;
  next: RunInfo;
  rows: ComparisonRow[];
  rules: RuleOutcome[];
  regression: boolean;
  /** What differs between the runs' setups (url, model, concurrency, ...). */
  incomparable: string[];
  method: { confidence: number; seed: number; resamples: number };
}

export interface RunInfo {
  name: string;
  started_at: string;
  requests: number;
}

/** Without --fail-on: a significant regression worse than 10% on TTFT p50/p95, E2E p95 or the error rate. */
export const DEFAULT_FAIL_ON = ['ttft.p50 > +10%', 'ttft.p95 > +10%', 'total_time.p95 > +10%', 'error_rate > +10%'] as const;

/** The rows shown, in order; rules on other metrics add rows after them. */
export const DEFAULT_ROWS = [
  'ttft.p50',
  'ttft.p90',
  'ttft.p95',
  'ttft.p99',
  'ttft.mean',
  'total_time.p50',
  'total_time.p95',
  'total_time.p99',
  'tpot.p50',
  'tpot.p95',
  'tokens_per_second.mean',
  'tokens_per_second.p50',
  'requests_per_second',
  'output_tokens_per_second',
  'error_rate',
] as const;

export function compareRuns(base: ComparedRun, next: ComparedRun, options: CompareOptions): Comparison {
  const isDefault = options.rules === undefined;
  const rules = options.rules ?? DEFAULT_FAIL_ON.map(parseRule);
  const refs = new Map<string, MetricRef>();
  for (const path of DEFAULT_ROWS) refs.set(path, resolveMetricPath(path));
  for (const turn of sharedTurns(base, next).slice(0, MAX_TURN_ROWS)) refs.set(`turn${turn}.ttft.p50`, resolveMetricPath(`turn${turn}.ttft.p50`));
  for (const rule of rules) if (!refs.has(rule.metric.path)) refs.set(rule.metric.path, rule.metric);

  const rowsByPath = compareMetrics([...refs.values()], base, next, options);
  // Optional rows (TPOT, tokens/s) only where either run has the data; rule rows always.
  const rulePaths = new Set(rules.map((rule) => rule.metric.path));
  const rows = [...rowsByPath.values()].filter(
    (row) => rulePaths.has(row.metric) || row.base !== undefined || row.next !== undefined,
  );
  const outcomes = rules.map((rule) => evaluateRule(rule, rowsByPath.get(rule.metric.path)!, isDefault));
  return {
    base: infoOf(base),
    next: infoOf(next),
    rows,
    rules: outcomes,
    regression: outcomes.some((outcome) => outcome.fired),
    incomparable: comparabilityWarnings(base.results, next.results),
    method: {
      confidence: options.confidence,
      seed: options.seed,
      resamples: bootstrapResamples(base.samples.ttft.length + next.samples.ttft.length),
    },
  };
}

/** The first run is the base; every other run is compared with it. */
export interface MultiComparison {
  base: RunInfo;
  /** One per run after the first, in the order given. */
  comparisons: Comparison[];
  /** True when any run regressed by the rules. */
  regression: boolean;
}

export function compareMany(runs: readonly ComparedRun[], options: CompareOptions): MultiComparison {
  const [base, ...others] = runs;
  if (!base || others.length === 0) throw new Error('compareMany needs a base and at least one other run');
  const comparisons = others.map((next) => compareRuns(base, next, options));
  return { base: infoOf(base), comparisons, regression: comparisons.some((c) => c.regression) };
}

/** Every metric path shown in any of the comparisons, in order of first appearance. */
export function metricsOf(multi: MultiComparison): string[] {
  const seen = new Set<string>();
  for (const comparison of multi.comparisons) for (const row of comparison.rows) seen.add(row.metric);
  return [...seen];
}

/** Conversations in both runs: TTFT P50 of their first turns are default rows (turn 1 against later turns is the prefix cache). */
const MAX_TURN_ROWS = 5;

function sharedTurns(base: ComparedRun, next: ComparedRun): number[] {
  if (!base.turns || !next.turns) return [];
  return [...base.turns.keys()].filter((turn) => next.turns!.has(turn)).sort((a, b) => a - b);
}

function infoOf(run: ComparedRun): RunInfo {
  return { name: run.name, started_at: run.results.run.started_at, requests: run.summary.total_requests };
}

function compareMetrics(
  refs: MetricRef[],
  base: ComparedRun,
  next: ComparedRun,
  options: CompareOptions,
): Map<string, ComparisonRow> {
  const rows = new Map<string, ComparisonRow>();
  const alpha = 1 - options.confidence;
  // Sample metrics: one bootstrap per metric (of the run, or of one turn) serves all its statistics.
  const bySample = new Map<string, Array<Extract<MetricRef, { kind: 'sample' }>>>();
  for (const ref of refs) {
    if (ref.kind !== 'sample') continue;
    const key = `${ref.turn ?? ''}:${ref.metric}`;
    bySample.set(key, [...(bySample.get(key) ?? []), ref]);
  }
  for (const group of bySample.values()) {
    const first = group[0]!;
    const samplesOf = (run: ComparedRun) => sourceOf(first, run)?.samples[first.metric] ?? new Float64Array(0);
    const tests = bootstrapDifferences(
      samplesOf(base),
      samplesOf(next),
      group.map((ref) => (sorted: Float64Array) => statOfSorted(sorted, ref.stat)),
      { confidence: options.confidence, seed: options.seed },
    );
    group.forEach((ref, i) => {
      const test = tests?.[i];
      rows.set(
        ref.path,
        makeRow(ref, base, next, test ? { test: 'bootstrap', p: test.p, significant: test.significant, interval: [test.low, test.high] } : undefined),
      );
    });
  }
  for (const ref of refs) {
    if (ref.kind === 'sample') continue;
    const significance = scalarTest(ref, base, next);
    rows.set(
      ref.path,
      makeRow(ref, base, next, significance && { ...significance, significant: significance.p < alpha, interval: undefined }),
    );
  }
  // Back in the order asked for.
  return new Map(refs.map((ref) => [ref.path, rows.get(ref.path)!]));
}

interface Significance {
  test: TestName;
  p: number;
  significant: boolean;
  interval: [number, number] | undefined;
}

function scalarTest(ref: MetricRef, base: ComparedRun, next: ComparedRun): { test: TestName; p: number } | undefined {
  const a = sourceOf(ref, base)?.summary;
  const b = sourceOf(ref, next)?.summary;
  if (!a || !b) return undefined;
  if (ref.kind === 'errors') {
    const p = twoProportionTest(a.errors[ref.errorKind] ?? 0, a.total_requests, b.errors[ref.errorKind] ?? 0, b.total_requests).p;
    return { test: 'two-proportion', p };
  }
  if (ref.kind !== 'scalar') return undefined;
  switch (ref.key) {
    case 'error_rate':
    case 'success_rate':
    case 'failed_count':
      return { test: 'two-proportion', p: twoProportionTest(a.failed_count, a.total_requests, b.failed_count, b.total_requests).p };
    case 'requests_per_second':
      return { test: 'poisson-rate', p: rateTest(a.success_count, a.wall_time, b.success_count, b.wall_time).p };
    case 'output_tokens_per_second':
      return { test: 'compound-poisson-rate', p: compoundRateTest(tokenMoments(base), tokenMoments(next)).p };
    default:
      return undefined;
  }
}

/** Output tokens of the successful measured requests, their sum of squares, and the wall time they came in. */
function tokenMoments(run: ComparedRun): { sum: number; sumSquares: number; seconds: number } {
  let sum = 0;
  let sumSquares = 0;
  for (const row of run.results.metrics) {
    if (row.warmup === true || row.error_kind !== null) continue;
    sum += row.total_tokens;
    sumSquares += row.total_tokens * row.total_tokens;
  }
  return { sum, sumSquares, seconds: run.summary.wall_time };
}

function makeRow(ref: MetricRef, base: ComparedRun, next: ComparedRun, significance: Significance | undefined): ComparisonRow {
  const a = metricValue(ref, base);
  const b = metricValue(ref, next);
  const change = a !== undefined && b !== undefined ? b - a : undefined;
  const relative = change === undefined || a === undefined ? undefined : a === 0 ? (change === 0 ? 0 : Math.sign(change) * Infinity) : change / Math.abs(a);
  const significant = change !== undefined && change !== 0 && (significance?.significant ?? false);
  let verdict: Verdict = 'n/a';
  if (change !== undefined && significance) {
    verdict = !significant ? 'same' : (change < 0) === (ref.better === 'lower') ? 'better' : 'worse';
  }
  return {
    metric: ref.path,
    ref,
    base: a,
    next: b,
    change,
    relative,
    test: significance?.test ?? 'none',
    p: significance?.p,
    interval: significance?.interval,
    significant,
    verdict,
  };
}

function evaluateRule(rule: Rule, row: ComparisonRow, isDefault: boolean): RuleOutcome {
  const outcome = (observed: number | undefined, fired: boolean, note?: string): RuleOutcome => ({
    rule: rule.text,
    metric: rule.metric.path,
    mode: rule.mode,
    observed,
    fired,
    ...(note ? { note } : {}),
    isDefault,
  });
  // The new run cannot show the metric is fine: that fails. A base without data cannot anchor a change.
  if (row.next === undefined) return outcome(undefined, true, 'no data in the new run');
  if (rule.mode === 'absolute') return outcome(row.next, holds(rule.op, row.next, rule.value));
  if (row.base === undefined) return outcome(undefined, false, 'no data in the base run');
  const observed = rule.mode === 'relative' ? (row.relative as number) : (row.change as number);
  const crossed = holds(rule.op, observed, rule.value);
  if (!crossed) return outcome(observed, false);
  if (row.test !== 'none' && !row.significant) return outcome(observed, false, 'not significant');
  return outcome(observed, true, row.test === 'none' ? 'no significance test for this metric' : undefined);
}
