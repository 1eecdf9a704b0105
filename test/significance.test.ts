import { describe, expect, it } from 'vitest';
import { createRng } from '../lib/util/random.ts';
import { bootstrapDifferences, normalCdf, rateTest, twoProportionTest } from '../lib/compare/significance.ts';
import { mean, percentileOfSorted } from '../lib/stats/stats.ts';

function logNormalSample(seed: number, n: number, median: number, sigma = 0.3): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    return median * Math.exp(sigma * z);
  });
}

function normalSample(seed: number, n: number, mu: number, sigma: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => mu + sigma * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
}

const p50 = (sorted: Float64Array) => percentileOfSorted(sorted, 50);
const p95 = (sorted: Float64Array) => percentileOfSorted(sorted, 95);
const average = (sorted: Float64Array) => mean(sorted);
const options = { confidence: 0.99, seed: 1 };

describe('normal distribution and proportion tests', () => {
  it('matches known values of the normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-2.575829)).toBeCloseTo(0.005, 6);
    expect(normalCdf(3)).toBeCloseTo(0.99865, 5);
  });

  it('two-proportion z-test: a textbook case, and nothing to test when both are 0', () => {
    // 30/200 vs 50/200: pooled 0.2, se 0.04, z 2.5, p 0.0124.
    const result = twoProportionTest(30, 200, 50, 200);
    expect(result.z).toBeCloseTo(2.5, 9);
    expect(result.p).toBeCloseTo(0.0124, 4);
    expect(twoProportionTest(0, 500, 0, 500)).toEqual({ z: 0, p: 1 });
    expect(twoProportionTest(0, 500, 1, 500).p).toBeGreaterThan(0.3);
    expect(twoProportionTest(0, 500, 40, 500).p).toBeLessThan(1e-6);
  });

  it('rate test: equal rates are not different, a doubled rate over many events is', () => {
    expect(rateTest(100, 10, 100, 10).p).toBeCloseTo(1, 6);
    expect(rateTest(400, 10, 800, 10).p).toBeLessThan(1e-6);
    expect(rateTest(0, 0, 10, 1)).toEqual({ z: 0, p: 1 });
  });
});

describe('bootstrap of a statistic difference', () => {
  it('is deterministic for a seed', () => {
    const a = logNormalSample(1, 200, 100);
    const b = logNormalSample(2, 200, 100);
    expect(bootstrapDifferences(a, b, [p50, p95], options)).toEqual(bootstrapDifferences(a, b, [p50, p95], options));
  });

  it('finds nothing between a sample and itself', () => {
    const a = logNormalSample(1, 300, 100);
    const [median, tail, avg] = bootstrapDifferences(a, a, [p50, p95, average], options)!;
    for (const test of [median!, tail!, avg!]) {
      expect(test.significant).toBe(false);
      expect(test.low).toBeLessThan(0);
      expect(test.high).toBeGreaterThan(0);
    }
    const constant = bootstrapDifferences([5, 5, 5], [5, 5, 5], [p50], options)![0]!;
    expect(constant).toEqual({ low: 0, high: 0, p: 1, significant: false });
  });

  it('brackets the true difference and flags a 30% shift of 500 samples', () => {
    const a = logNormalSample(1, 500, 100);
    const b = logNormalSample(2, 500, 130);
    const [median, avg] = bootstrapDifferences(a, b, [p50, average], options)!;
    expect(median!.significant).toBe(true);
    expect(median!.low).toBeGreaterThan(0);
    expect(median!.low).toBeLessThan(30);
    expect(median!.high).toBeGreaterThan(30);
    expect(median!.p).toBeLessThan(0.001);
    expect(avg!.significant).toBe(true);
    // And the other way round: the interval is of new minus base.
    expect(bootstrapDifferences(b, a, [p50], options)![0]!.high).toBeLessThan(0);
  });

  it('rarely flags two samples of one distribution (the false-positive rate stays near 1 - confidence)', () => {
    let flagged = 0;
    const trials = 40;
    for (let i = 0; i < trials; i++) {
      const a = logNormalSample(100 + i, 200, 100);
      const b = logNormalSample(500 + i, 200, 100);
      const tests = bootstrapDifferences(a, b, [p50, p95], { ...options, resamples: 1000 })!;
      if (tests.some((t) => t.significant)) flagged++;
    }
    // Two statistics at 1% each: about 0.8 expected in 40 trials.
    expect(flagged).toBeLessThanOrEqual(3);
  });

  it('gives the closed-form interval width for the mean of large normal samples, at each confidence', () => {
    // n = 200 a side: the bootstrap distribution of mean(b) - mean(a) is normal with
    // sd = sqrt(var(a)/n + var(b)/n) (population variances: the bootstrap resamples the sample).
    // Its interval at confidence c is 2 z_{(1+c)/2} sd wide. 4,000 resamples estimate the
    // width to ~2%, so 6% tells a 99% interval from a 98% one (10% narrower).
    const normalA = normalSample(7, 200, 10, 2);
    const normalB = normalSample(8, 200, 10, 3);
    const populationVariance = (xs: number[]) => {
      const m = mean(xs)!;
      return xs.reduce((sum, x) => sum + (x - m) ** 2, 0) / xs.length;
    };
    const sd = Math.sqrt(populationVariance(normalA) / 200 + populationVariance(normalB) / 200);
    for (const [confidence, z] of [
      [0.99, 2.5758293],
      [0.9, 1.6448536],
    ] as const) {
      const [avg] = bootstrapDifferences(normalA, normalB, [average], { confidence, seed: 3, resamples: 4000 })!;
      const width = avg!.high - avg!.low;
      expect(width / (2 * z * sd), `confidence ${confidence}`).toBeGreaterThan(0.94);
      expect(width / (2 * z * sd), `confidence ${confidence}`).toBeLessThan(1.06);
      // Centred on the observed difference.
      expect((avg!.high + avg!.low) / 2).toBeCloseTo(mean(normalB)! - mean(normalA)!, 1);
    }
  });

  it('is undefined when a side has no samples', () => {
    expect(bootstrapDifferences([], [1, 2], [p50], options)).toBeUndefined();
  });
});
