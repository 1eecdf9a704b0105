/**
 * compareRuns on hand-made runs: the branches that the end-to-end fixtures of
 * test/compare.test.ts never reach (no data on one side, turns, scalar tests, rule notes).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareMany, compareRuns, DEFAULT_ROWS, type ComparedRun, type Comparison } from '../lib/compare/compare.ts';
import { compoundRateTest } from '../lib/compare/significance.ts';
import { loadResults } from '../lib/results/results-load.ts';
import { mergeResults } from '../lib/results/merge.ts';
import { parseRule } from '../lib/stats/rule.ts';
import type { MetricSamples, RunSummary } from '../lib/stats/summary.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/results');
const OPTIONS = { confidence: 0.95, seed: 7 };
let template: ComparedRun;

beforeAll(async () => {
  const loaded = await loadResults(join(FIXTURES, 'base.json'));
  const merged = mergeResults([{ name: 'base', results: loaded.results }]);
  template = { name: 'base', results: merged.results, summary: merged.summary, samples: merged.samples };
});

/** 200 values around `center`, the same spread for every center (deterministic). */
function around(center: number, n = 200): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => center * (0.95 + ((i * 37) % 100) / 1000));
}

interface Parts {
  samples?: Partial<MetricSamples>;
  summary?: Partial<RunSummary>;
  turns?: Array<[number, { ttft: Float64Array; summary?: Partial<RunSummary> }]>;
  metrics?: ComparedRun['results']['metrics'];
}

function makeRun(name: string, parts: Parts = {}): ComparedRun {
  const samples = { ...template.samples, ttft: around(0.2), ...parts.samples };
  const summary = { ...template.summary, ...parts.summary };
  const turns = parts.turns
    ? new Map(parts.turns.map(([turn, t]) => [turn, { summary: { ...summary, ...t.summary }, samples: { ...samples, ttft: t.ttft } }]))
    : undefined;
  const results = parts.metrics ? { ...template.results, metrics: parts.metrics } : template.results;
  return { name, results, summary, samples, ...(turns ? { turns } : {}) };
}

const EMPTY = new Float64Array(0);
const rowOf = (comparison: Comparison, metric: string) => comparison.rows.find((row) => row.metric === metric);
const ruleOf = (comparison: Comparison, rule: string) => comparison.rules.find((outcome) => outcome.rule === rule)!;
const compare = (base: ComparedRun, next: ComparedRun, rules?: string[]) =>
  compareRuns(base, next, { ...OPTIONS, ...(rules ? { rules: rules.map(parseRule) } : {}) });

describe('compareRuns: which rows', () => {
  it('leaves out a metric neither run has, keeps one only one run has, and always keeps a rule row', () => {
    const base = makeRun('a', { samples: { tpot: EMPTY, itl: EMPTY } });
    const next = makeRun('b', { samples: { tpot: around(0.01), itl: EMPTY } });
    const comparison = compare(base, next, ['itl.p50 > 1ms', 'ttft.p50 > +10%']);
    const metrics = comparison.rows.map((row) => row.metric);
    expect(metrics).toContain('tpot.p50');
    expect(metrics).toContain('itl.p50'); // a rule row, though neither run has ITLs
    expect(metrics).not.toContain('itl.p95');
    const both = compare(makeRun('a', { samples: { tpot: EMPTY } }), makeRun('b', { samples: { tpot: EMPTY } }));
    expect(both.rows.map((row) => row.metric)).not.toContain('tpot.p50');
    expect(both.rows.map((row) => row.metric)).toContain('ttft.p50');
  });

  it('a rule on a metric outside the default rows adds its row after them, once', () => {
    const comparison = compare(makeRun('a'), makeRun('b'), ['ttfb.p75 > +50%', 'ttft.p50 > +10%']);
    const metrics = comparison.rows.map((row) => row.metric);
    expect(metrics.at(-1)).toBe('ttfb.p75');
    expect(metrics.filter((m) => m === 'ttft.p50')).toHaveLength(1);
    expect(metrics.slice(0, 3)).toEqual(DEFAULT_ROWS.slice(0, 3));
  });

  it('turn rows: only turns both runs have, in order, at most five', () => {
    const turns = (numbers: number[]) => numbers.map((turn) => [turn, { ttft: around(0.1 * turn) }] as [number, { ttft: Float64Array }]);
    const base = makeRun('a', { turns: turns([7, 3, 1, 2, 4, 5, 6]) });
    const next = makeRun('b', { turns: turns([1, 2, 3, 4, 6, 7]) });
    const metrics = compare(base, next).rows.map((row) => row.metric).filter((m) => m.startsWith('turn'));
    expect(metrics).toEqual(['turn1.ttft.p50', 'turn2.ttft.p50', 'turn3.ttft.p50', 'turn4.ttft.p50', 'turn6.ttft.p50']);
    expect(compare(base, makeRun('b')).rows.some((row) => row.metric.startsWith('turn'))).toBe(false);
    expect(compare(makeRun('a'), next).rows.some((row) => row.metric.startsWith('turn'))).toBe(false);
  });

  it('a turn row is tested on that turn\'s samples, not on the whole run\'s', () => {
    // The whole runs are the same; turn 1 is twice as slow in the new run.
    const base = makeRun('a', { turns: [[1, { ttft: around(0.1) }]] });
    const next = makeRun('b', { turns: [[1, { ttft: around(0.2) }]] });
    const comparison = compare(base, next);
    expect(rowOf(comparison, 'ttft.p50')).toMatchObject({ change: 0, significant: false, verdict: 'same' });
    const turn = rowOf(comparison, 'turn1.ttft.p50')!;
    expect(turn).toMatchObject({ test: 'bootstrap', significant: true, verdict: 'worse' });
    expect(turn.interval![0]).toBeGreaterThan(0);
  });

  it('a rule on a turn the new run does not have fails with "no data in the new run"', () => {
    const base = makeRun('a', { turns: [[1, { ttft: around(0.1) }], [3, { ttft: around(0.1) }]] });
    const next = makeRun('b', { turns: [[1, { ttft: around(0.1) }]] });
    const comparison = compare(base, next, ['turn3.ttft.p50 > +10%', 'turn3.error_rate > +10%']);
    expect(ruleOf(comparison, 'turn3.ttft.p50 > +10%')).toMatchObject({ fired: true, note: 'no data in the new run', observed: undefined });
    expect(ruleOf(comparison, 'turn3.error_rate > +10%')).toMatchObject({ fired: true, note: 'no data in the new run' });
    expect(rowOf(comparison, 'turn3.ttft.p50')).toMatchObject({ test: 'none', verdict: 'n/a', next: undefined });
  });
});

describe('compareRuns: values, tests and verdicts', () => {
  it('a sample metric one run lacks has no test, no p, no interval and verdict n/a', () => {
    const comparison = compare(makeRun('a', { samples: { tpot: EMPTY } }), makeRun('b', { samples: { tpot: around(0.01) } }));
    expect(rowOf(comparison, 'tpot.p50')).toEqual(
      expect.objectContaining({ base: undefined, change: undefined, relative: undefined, test: 'none', p: undefined, interval: undefined, significant: false, verdict: 'n/a' }),
    );
  });

  it('bootstrap rows carry p and an interval around the change; lower-is-better: faster is better', () => {
    const comparison = compare(makeRun('a', { samples: { ttft: around(0.2) } }), makeRun('b', { samples: { ttft: around(0.1) } }));
    const row = rowOf(comparison, 'ttft.p50')!;
    expect(row.test).toBe('bootstrap');
    expect(row.p).toBeLessThan(0.05);
    expect(row.interval![0]).toBeLessThanOrEqual(row.change!);
    expect(row.interval![1]).toBeGreaterThanOrEqual(row.change!);
    expect(row.interval![1]).toBeLessThan(0);
    expect(row.relative).toBeCloseTo(-0.5, 2);
    expect(row.verdict).toBe('better');
    // Higher is better for tokens/s: a higher new value is better too.
    const faster = compare(
      makeRun('a', { samples: { tokens_per_second: around(50) } }),
      makeRun('b', { samples: { tokens_per_second: around(100) } }),
    );
    expect(rowOf(faster, 'tokens_per_second.p50')).toMatchObject({ verdict: 'better', significant: true });
    expect(rowOf(faster, 'tokens_per_second.p50')!.relative).toBeCloseTo(1, 2);
  });

  it('scalar rows: error rate by a two-proportion test, significant below the level; relative change from 0 is infinite, 0 to 0 is 0', () => {
    const total = { total_requests: 1000, success_count: 1000, failed_count: 0, success_rate: 1, errors: {} };
    const clean = makeRun('a', { summary: total });
    const failing = makeRun('b', { summary: { ...total, success_count: 700, failed_count: 300, success_rate: 0.7, errors: { timeout: 300 } } });
    const comparison = compare(clean, failing, ['errors.timeout > +5', 'success_rate < 50%']);
    expect(rowOf(comparison, 'error_rate')).toMatchObject({ test: 'two-proportion', base: 0, relative: Infinity, significant: true, verdict: 'worse' });
    expect(rowOf(comparison, 'error_rate')!.p).toBeLessThan(0.05);
    expect(rowOf(comparison, 'errors.timeout')).toMatchObject({ test: 'two-proportion', base: 0, next: 300, significant: true, verdict: 'worse' });
    expect(rowOf(comparison, 'success_rate')).toMatchObject({ test: 'two-proportion', significant: true, verdict: 'worse' });
    expect(ruleOf(comparison, 'errors.timeout > +5')).toMatchObject({ mode: 'change', observed: 300, fired: true });
    expect(ruleOf(comparison, 'errors.timeout > +5').note).toBeUndefined();
    const same = compare(clean, clean, ['errors.timeout > +5']);
    expect(rowOf(same, 'error_rate')).toMatchObject({ change: 0, relative: 0, significant: false, verdict: 'same' });
    expect(rowOf(same, 'errors.timeout')).toMatchObject({ test: 'two-proportion', base: 0, next: 0, verdict: 'same' });
  });

  it('failed_count and requests_per_second have their tests; counts without one are "none" and their rules say so', () => {
    const base = makeRun('a', { summary: { total_requests: 1000, success_count: 1000, failed_count: 0, wall_time: 10, requests_per_second: 100 } });
    const next = makeRun('b', { summary: { total_requests: 1000, success_count: 1000, failed_count: 0, wall_time: 20, requests_per_second: 50 } });
    const comparison = compare(base, next, ['failed_count > +1', 'wall_time > +10%']);
    expect(rowOf(comparison, 'failed_count')).toMatchObject({ test: 'two-proportion', verdict: 'same' });
    // One failure against two in 1000: a change, but not a significant one.
    const noisy = compare(
      makeRun('a', { summary: { total_requests: 1000, success_count: 999, failed_count: 1 } }),
      makeRun('b', { summary: { total_requests: 1000, success_count: 998, failed_count: 2 } }),
      ['failed_count > +5'],
    );
    expect(rowOf(noisy, 'failed_count')).toMatchObject({ change: 1, test: 'two-proportion', significant: false, verdict: 'same' });
    expect(rowOf(noisy, 'error_rate')!.p).toBeGreaterThan(0.05);
    expect(rowOf(comparison, 'requests_per_second')).toMatchObject({ test: 'poisson-rate', significant: true, verdict: 'worse' });
    expect(rowOf(comparison, 'requests_per_second')!.p).toBeLessThan(0.05);
    expect(rowOf(comparison, 'wall_time')).toMatchObject({ test: 'none', p: undefined, significant: false, verdict: 'n/a', relative: 1 });
    expect(ruleOf(comparison, 'wall_time > +10%')).toMatchObject({ fired: true, observed: 1, note: 'no significance test for this metric' });
    expect(ruleOf(comparison, 'failed_count > +1')).toMatchObject({ fired: false, observed: 0 });
  });

  it('output tokens/s is tested on the successful measured requests only: warm-up and failed rows do not count', () => {
    const rows = template.results.metrics;
    const padded = [
      ...rows,
      { ...rows[0]!, request_id: 'w', warmup: true, total_tokens: 100_000 },
      { ...rows[0]!, request_id: 'f', error_kind: 'http', error: 'HTTP 500', total_tokens: 100_000 },
    ] as typeof rows;
    const base = makeRun('a');
    const plain = rowOf(compare(base, makeRun('b', { summary: { wall_time: template.summary.wall_time * 1.05 } })), 'output_tokens_per_second')!;
    const withExtra = rowOf(
      compare(base, makeRun('b', { metrics: padded, summary: { wall_time: template.summary.wall_time * 1.05 } })),
      'output_tokens_per_second',
    )!;
    expect(plain.test).toBe('compound-poisson-rate');
    expect(withExtra.p).toBe(plain.p);
    // And the p is the compound test's on those tokens: sum and sum of squares.
    const tokens = rows.filter((row) => row.warmup !== true && row.error_kind === null).map((row) => row.total_tokens);
    const moments = (seconds: number) => ({ sum: tokens.reduce((s, t) => s + t, 0), sumSquares: tokens.reduce((s, t) => s + t * t, 0), seconds });
    expect(plain.p).toBe(compoundRateTest(moments(template.summary.wall_time), moments(template.summary.wall_time * 1.05)).p);
  });
});

describe('compareRuns: rules', () => {
  it('isDefault is true only without --fail-on', () => {
    expect(compare(makeRun('a'), makeRun('b')).rules.every((outcome) => outcome.isDefault)).toBe(true);
    expect(compare(makeRun('a'), makeRun('b'), ['ttft.p50 > +10%']).rules.map((outcome) => outcome.isDefault)).toEqual([false]);
  });

  it('an absolute rule judges the new value, even when the base has no data', () => {
    const base = makeRun('a', { samples: { tpot: EMPTY } });
    const next = makeRun('b', { samples: { tpot: around(0.02) } });
    const comparison = compare(base, next, ['tpot.p50 > 10ms', 'tpot.p50 < 10ms', 'tpot.p50 > +10%', 'tpot.p50 > +1ms']);
    const fired = ruleOf(comparison, 'tpot.p50 > 10ms');
    expect(fired).toMatchObject({ mode: 'absolute', fired: true });
    expect(fired.observed).toBeCloseTo(rowOf(comparison, 'tpot.p50')!.next!, 12);
    expect(fired.note).toBeUndefined();
    expect(ruleOf(comparison, 'tpot.p50 < 10ms')).toMatchObject({ fired: false });
    expect(ruleOf(comparison, 'tpot.p50 > +10%')).toMatchObject({ fired: false, observed: undefined, note: 'no data in the base run' });
    expect(ruleOf(comparison, 'tpot.p50 > +1ms')).toMatchObject({ fired: false, note: 'no data in the base run' });
  });

  it('relative rules observe the relative change, change rules the change; crossed but not significant does not fire', () => {
    const base = makeRun('a', { samples: { ttft: around(0.2) } });
    const next = makeRun('b', { samples: { ttft: around(0.3) } });
    const comparison = compare(base, next, ['ttft.p50 > +10%', 'ttft.p50 > +50ms', 'ttft.p50 > +80%']);
    const row = rowOf(comparison, 'ttft.p50')!;
    expect(ruleOf(comparison, 'ttft.p50 > +10%')).toMatchObject({ mode: 'relative', observed: row.relative, fired: true });
    expect(ruleOf(comparison, 'ttft.p50 > +10%').note).toBeUndefined();
    expect(ruleOf(comparison, 'ttft.p50 > +50ms')).toMatchObject({ mode: 'change', observed: row.change, fired: true });
    expect(ruleOf(comparison, 'ttft.p50 > +80%')).toMatchObject({ fired: false, observed: row.relative });
    expect(ruleOf(comparison, 'ttft.p50 > +80%').note).toBeUndefined();
    expect(comparison.regression).toBe(true);
    // Over the line, but two samples of 3 values each: not significant.
    const few = compare(makeRun('a', { samples: { ttft: Float64Array.of(0.1, 0.3, 0.2) } }), makeRun('b', { samples: { ttft: Float64Array.of(0.12, 0.32, 0.22) } }), ['ttft.p50 > +5%']);
    expect(rowOf(few, 'ttft.p50')!.significant).toBe(false);
    expect(ruleOf(few, 'ttft.p50 > +5%')).toMatchObject({ fired: false, note: 'not significant' });
    expect(few.regression).toBe(false);
  });
});

describe('compareMany', () => {
  it('needs a base and another run', () => {
    expect(() => compareMany([makeRun('a')], OPTIONS)).toThrow('compareMany needs a base and at least one other run');
    expect(() => compareMany([], OPTIONS)).toThrow('compareMany needs a base');
  });

  it('regresses when any run regresses, not only when all do', () => {
    const slow = makeRun('slow', { samples: { ttft: around(0.4) } });
    const multi = compareMany([makeRun('a'), makeRun('same'), slow], OPTIONS);
    expect(multi.comparisons.map((c) => c.regression)).toEqual([false, true]);
    expect(multi.regression).toBe(true);
    expect(compareMany([makeRun('a'), makeRun('same')], OPTIONS).regression).toBe(false);
  });
});
