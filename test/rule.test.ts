import { describe, expect, it } from 'vitest';
import { formatMetric, metricValue, resolveMetricPath } from '../lib/stats/metric-path.ts';
import type { RequestRecord } from '../lib/record/record.ts';
import { directionWarning, holds, parseRule, parseThreshold } from '../lib/stats/rule.ts';
import { collectSamples, summarize } from '../lib/stats/summary.ts';
import { checkThresholds, renderThresholds } from '../lib/report/thresholds.ts';

/** Successful requests with the given TTFTs (ms), 10 ms after the first token each, back to back. */
function records(ttftsMs: number[], failures = 0): RequestRecord[] {
  let t = 0;
  const ok = ttftsMs.map((ttft, i): RequestRecord => {
    const started = t;
    t += ttft + 10;
    return {
      id: i + 1,
      startedAt: started,
      firstTokenAt: started + ttft,
      firstAnswerAt: started + ttft,
      tokenTimes: [started + ttft, started + ttft + 10],
      reasoningTokens: 0,
      endedAt: t,
      bytes: 10,
      chunks: 2,
      sawEndMarker: true,
    };
  });
  const failed = Array.from({ length: failures }, (_, i): RequestRecord => ({
    id: ok.length + i + 1,
    startedAt: t,
    tokenTimes: [],
    reasoningTokens: 0,
    endedAt: t + 1,
    bytes: 0,
    chunks: 0,
    sawEndMarker: false,
    error: { kind: 'timeout', message: 'timed out' },
  }));
  return [...ok, ...failed];
}

function source(recs: RequestRecord[]) {
  const samples = collectSamples(recs);
  return { summary: summarize(recs, { samples }), samples };
}

describe('metric paths', () => {
  it('resolves distributions, any percentile, aliases and scalars', () => {
    expect(resolveMetricPath('ttft.p99')).toMatchObject({ kind: 'sample', metric: 'ttft', stat: { percentile: 99 }, better: 'lower' });
    expect(resolveMetricPath('TTFT.P99.9')).toMatchObject({ path: 'ttft.p99.9', stat: { percentile: 99.9 } });
    expect(resolveMetricPath('e2e.median')).toMatchObject({ path: 'total_time.p50' });
    expect(resolveMetricPath('tokens_per_second.mean')).toMatchObject({ better: 'higher', unit: 'per_second' });
    expect(resolveMetricPath('throughput')).toMatchObject({ kind: 'scalar', path: 'requests_per_second', better: 'higher' });
    expect(resolveMetricPath('error_rate')).toMatchObject({ unit: 'ratio', better: 'lower' });
    expect(resolveMetricPath('errors.timeout')).toMatchObject({ kind: 'errors', errorKind: 'timeout' });
  });

  it.each([
    ['latency.p99', /unknown metric "latency.p99": use e.g. ttft.p95/],
    ['ttft', /needs a statistic/],
    ['ttft.p101', /needs a statistic/],
    ['ttft.average', /needs a statistic/],
    ['error_rate.p50', /unknown metric/],
    ['errors.dns', /unknown error kind.*http, timeout/],
  ])('rejects %s with a message that says what works', (path, message) => {
    expect(() => resolveMetricPath(path)).toThrow(message);
  });

  it('reads values from the samples and the summary', () => {
    const run = source(records([100, 200, 300, 400, 500], 5));
    expect(metricValue(resolveMetricPath('ttft.p50'), run)).toBeCloseTo(0.3, 9);
    expect(metricValue(resolveMetricPath('ttft.p75'), run)).toBeCloseTo(0.4, 9);
    expect(metricValue(resolveMetricPath('ttft.max'), run)).toBeCloseTo(0.5, 9);
    expect(metricValue(resolveMetricPath('ttft.mean'), run)).toBeCloseTo(0.3, 9);
    expect(metricValue(resolveMetricPath('error_rate'), run)).toBe(0.5);
    expect(metricValue(resolveMetricPath('errors.timeout'), run)).toBe(5);
    expect(metricValue(resolveMetricPath('errors.http'), run)).toBe(0);
    expect(metricValue(resolveMetricPath('requests_per_second'), run)).toBe(run.summary.requests_per_second);
    // No successful request: no TTFT at all, not zero.
    expect(metricValue(resolveMetricPath('ttft.p50'), source(records([], 3)))).toBeUndefined();
  });

  it('formats values in the metric unit', () => {
    expect(formatMetric(resolveMetricPath('ttft.p50'), 0.2345)).toBe('0.234s');
    expect(formatMetric(resolveMetricPath('tpot.p50'), 0.0123)).toBe('12.30ms');
    expect(formatMetric(resolveMetricPath('error_rate'), 0.0125)).toBe('1.25%');
    expect(formatMetric(resolveMetricPath('rps'), 12.345)).toBe('12.35/s');
  });
});

describe('rules', () => {
  it('tells absolute, relative and change values apart, with units', () => {
    expect(parseRule('ttft.p95 > +10%')).toMatchObject({ op: '>', mode: 'relative', value: 0.1 });
    expect(parseRule('tokens_per_second.mean < -5%')).toMatchObject({ op: '<', mode: 'relative', value: -0.05 });
    expect(parseRule('error_rate > 1%')).toMatchObject({ mode: 'absolute', value: 0.01 });
    expect(parseRule('error_rate>=0.02')).toMatchObject({ op: '>=', mode: 'absolute', value: 0.02 });
    expect(parseRule('ttft.p99 < 1.5')).toMatchObject({ mode: 'absolute', value: 1.5 });
    expect(parseRule('ttft.p99 <= 800ms').value).toBeCloseTo(0.8, 12);
    expect(parseRule('ttft.p99 < 2s').value).toBe(2);
    expect(parseRule('total_time.p95 > +50ms')).toMatchObject({ mode: 'change' });
    expect(parseRule('total_time.p95 > +50ms').value).toBeCloseTo(0.05, 12);
  });

  it.each([
    ['ttft.p95 ~ 3', /expected "<metric> <op> <value>"/],
    ['ttft.p95 >', /expected "<metric> <op> <value>"/],
    ['> 3', /expected/],
    ['ttft.p95 > 10%', /a % needs a sign/],
    ['error_rate > 5ms', /error_rate is not a time/],
    ['foo.p95 > 1', /invalid rule "foo.p95 > 1": unknown metric/],
  ])('rejects %s', (text, message) => {
    expect(() => parseRule(text)).toThrow(message);
  });

  it('thresholds must be absolute', () => {
    expect(parseThreshold('ttft.p99 < 1.5').mode).toBe('absolute');
    expect(() => parseThreshold('ttft.p99 < +10%')).toThrow(/thresholds are absolute/);
    expect(() => parseThreshold('ttft.p99 < +0.5')).toThrow(/use compare --fail-on/);
  });

  it('compares with each operator', () => {
    expect([holds('<', 1, 2), holds('<', 2, 2), holds('<=', 2, 2), holds('>', 2, 2), holds('>=', 2, 2), holds('>', 3, 2)]).toEqual([
      true,
      false,
      true,
      false,
      true,
      true,
    ]);
  });

  it('warns about a rule that points the wrong way for its metric', () => {
    expect(directionWarning(parseRule('ttft.p95 > +10%'), true)).toBeUndefined();
    expect(directionWarning(parseRule('tokens_per_second.mean < -5%'), true)).toBeUndefined();
    expect(directionWarning(parseRule('ttft.p95 < -10%'), true)).toMatch(/fails on a falling ttft.p95, but lower is better/);
    expect(directionWarning(parseThreshold('ttft.p99 < 1.5'), false)).toBeUndefined();
    expect(directionWarning(parseThreshold('success_rate > 99%'), false)).toBeUndefined();
    expect(directionWarning(parseThreshold('success_rate < 99%'), false)).toMatch(/fails on a high success_rate, but higher is better/);
  });
});

describe('thresholds', () => {
  it('pass or fail on the observed value, and fail without data', () => {
    const run = source(records([100, 200, 300, 400, 500], 1));
    const outcomes = checkThresholds(
      ['ttft.p50 < 0.31', 'ttft.p50 < 300ms', 'error_rate < 20%', 'error_rate < 10%', 'tpot.p50 <= 10ms'].map(parseThreshold),
      run,
    );
    expect(outcomes.map((o) => o.pass)).toEqual([true, false, true, false, true]);
    expect(outcomes[1]!.observed).toBeCloseTo(0.3, 9);

    const empty = checkThresholds([parseThreshold('ttft.p99 < 100')], source(records([], 2)));
    expect(empty[0]).toMatchObject({ pass: false, observed: undefined });

    const text = renderThresholds(outcomes, 'en');
    expect(text).toContain('【Thresholds】');
    expect(text).toMatch(/✓ ttft\.p50 < 0\.31 +observed 0\.300s/);
    expect(text).toMatch(/✗ error_rate < 10% +observed 16\.67%/);
    expect(renderThresholds(empty, 'zh')).toMatch(/✗ ttft\.p99 < 100 +观测值 没有成功的请求/);
  });
});
