import { describe as group, expect, it } from 'vitest';
import { describe, mean, percentile, sampleStd } from '../lib/stats/stats.ts';

group('percentile (linear interpolation, numpy default)', () => {
  // Hand-computed: rank = p/100 * (n - 1).
  it.each([
    { values: [], p: 50, expected: undefined },
    { values: [7], p: 0, expected: 7 },
    { values: [7], p: 99, expected: 7 },
    { values: [1, 3], p: 50, expected: 2 },
    { values: [1, 3], p: 90, expected: 2.8 },
    { values: [3, 1], p: 99, expected: 2.98 },
    { values: [1, 2, 3, 4], p: 50, expected: 2.5 },
    { values: [1, 2, 3, 4], p: 90, expected: 3.7 },
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 95, expected: 9.55 },
    { values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], p: 99, expected: 9.91 },
    { values: [5, 5, 5, 1], p: 50, expected: 5 },
    { values: [2, 2, 8, 8], p: 50, expected: 5 },
    { values: [10, 2, 33, 4], p: 100, expected: 33 },
  ])('p$p of $values = $expected', ({ values, p, expected }) => {
    const got = percentile(values, p);
    if (expected === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(expected, 10);
  });

  it('sorts numerically, not as strings', () => {
    expect(percentile([10, 9, 100], 50)).toBe(10);
  });

  it('rejects out-of-range percentiles', () => {
    expect(() => percentile([1], 101)).toThrow(RangeError);
    // Below 0 would index before the sample and return NaN, not an error.
    expect(() => percentile([1, 2], -1)).toThrow(new RangeError('percentile must be within [0, 100], got -1'));
    expect(() => percentile([1, 2], Number.NaN)).toThrow(RangeError);
  });
});

group('mean and sample std', () => {
  it('n = 0 gives undefined', () => {
    expect(mean([])).toBeUndefined();
    expect(sampleStd([])).toBeUndefined();
  });
  it('n = 1 has std 0', () => {
    expect(sampleStd([4])).toBe(0);
  });
  it('n = 2: [1, 3] has mean 2 and sample std sqrt(2)', () => {
    expect(mean([1, 3])).toBe(2);
    expect(sampleStd([1, 3])).toBeCloseTo(Math.SQRT2, 12);
  });
  it('[2,4,4,4,5,5,7,9]: sample std = sqrt(32/7)', () => {
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });
});

group('describe', () => {
  it('returns undefined for no values', () => {
    expect(describe([])).toBeUndefined();
  });
  it('computes the full set for a hand-checked sample', () => {
    const d = describe([4, 1, 3, 2, 10])!;
    expect(d).toMatchObject({ count: 5, min: 1, max: 10, mean: 4, median: 3, p50: 3 });
    expect(d.p90).toBeCloseTo(7.6, 10); // rank 3.6: 4 + 0.6 * 6
    expect(d.p95).toBeCloseTo(8.8, 10);
    expect(d.p99).toBeCloseTo(9.76, 10);
    expect(d.std).toBeCloseTo(Math.sqrt(50 / 4), 10); // squares of deviations: 0+9+1+4+36
  });
  it('handles ties', () => {
    const d = describe([2, 2, 2])!;
    expect(d).toMatchObject({ min: 2, max: 2, p99: 2, std: 0 });
  });
});
