/**
 * Significance tests for compare: is the difference between two runs larger
 * than run-to-run noise?
 *   - per-request metrics (TTFT, E2E, TPOT, tokens/s): a seeded percentile
 *     bootstrap of the difference of the statistic itself (p95 of new minus
 *     p95 of base), so each row is tested on what it shows, tails included;
 *   - error rate: a two-proportion z-test (pooled);
 *   - throughput: a test of two rates, treating completions as Poisson counts
 *     (conservative for a closed loop, whose completions are more regular).
 * Pure and deterministic: the same inputs and seed give the same answer.
 */
import { createRng, type Rng } from '../util/random.ts';
import { percentileOfSorted } from '../stats/stats.ts';

export interface DifferenceTest {
  /** Confidence interval of (new - base). */
  low: number;
  high: number;
  /** Two-sided p-value. */
  p: number;
  /** The interval excludes 0. */
  significant: boolean;
}

export interface BootstrapOptions {
  /** e.g. 0.95. */
  confidence: number;
  seed: number;
  /** Defaults to bootstrapResamples(n). */
  resamples?: number;
}

/** 2,000 resamples, fewer (down to 500) when the samples are large, to bound the work to ~5e7 draws. */
export function bootstrapResamples(totalSamples: number): number {
  return Math.max(500, Math.min(2000, Math.floor(5e7 / Math.max(1, totalSamples))));
}

/**
 * For each statistic, a percentile-bootstrap interval of stat(new) - stat(base):
 * both samples are resampled independently with replacement, and the same
 * resamples serve every statistic. Undefined when either sample is empty.
 */
export function bootstrapDifferences(
  base: ArrayLike<number>,
  next: ArrayLike<number>,
  statistics: ReadonlyArray<(sorted: Float64Array) => number | undefined>,
  options: BootstrapOptions,
): DifferenceTest[] | undefined {
  if (base.length === 0 || next.length === 0) return undefined;
  const sortedBase = Float64Array.from(base).sort();
  const sortedNext = Float64Array.from(next).sort();
  const resamples = options.resamples ?? bootstrapResamples(base.length + next.length);
  const rng = createRng(options.seed);
  const differences = statistics.map(() => new Float64Array(resamples));
  const resampler = (sorted: Float64Array) => sortedResampler(sorted, rng);
  const drawBase = resampler(sortedBase);
  const drawNext = resampler(sortedNext);
  for (let b = 0; b < resamples; b++) {
    const a = drawBase();
    const c = drawNext();
    statistics.forEach((statistic, i) => {
      (differences[i] as Float64Array)[b] = (statistic(c) as number) - (statistic(a) as number);
    });
  }
  const tail = ((1 - options.confidence) / 2) * 100;
  return differences.map((diffs) => {
    diffs.sort();
    const low = percentileOfSorted(diffs, tail) as number;
    const high = percentileOfSorted(diffs, 100 - tail) as number;
    let atOrBelow = 0;
    let atOrAbove = 0;
    for (const d of diffs) {
      if (d <= 0) atOrBelow++;
      if (d >= 0) atOrAbove++;
    }
    const p = Math.min(1, (2 * Math.min(atOrBelow, atOrAbove)) / resamples);
    return { low, high, p, significant: low > 0 || high < 0 };
  });
}

/**
 * Draws resamples of an ascending sample, already in ascending order: counts
 * how often each index is drawn, then writes each value that many times. O(n)
 * per resample, no sort. The returned array is reused between calls.
 */
function sortedResampler(sorted: Float64Array, rng: Rng): () => Float64Array {
  const n = sorted.length;
  const counts = new Uint32Array(n);
  const out = new Float64Array(n);
  return () => {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      // Not `(x as number)++`: Stryker's instrumenter turns its mutant into invalid code.
      const drawn = Math.floor(rng() * n);
      counts[drawn] = (counts[drawn] as number) + 1;
    }
    let k = 0;
    for (let i = 0; i < n; i++) {
      const value = sorted[i] as number;
      for (let c = counts[i] as number; c > 0; c--) out[k++] = value;
    }
    return out;
  };
}

export interface ProportionTest {
  z: number;
  p: number;
}

/** Pooled two-proportion z-test of x1/n1 against x2/n2 (two-sided). */
export function twoProportionTest(x1: number, n1: number, x2: number, n2: number): ProportionTest {
  if (n1 === 0 || n2 === 0) return { z: 0, p: 1 };
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { z: 0, p: 1 };
  const z = (x2 / n2 - x1 / n1) / se;
  return { z, p: twoSidedP(z) };
}

/** Two event rates, count1/seconds1 against count2/seconds2, as Poisson counts (two-sided). */
export function rateTest(count1: number, seconds1: number, count2: number, seconds2: number): ProportionTest {
  if (seconds1 <= 0 || seconds2 <= 0) return { z: 0, p: 1 };
  const variance = count1 / (seconds1 * seconds1) + count2 / (seconds2 * seconds2);
  if (variance === 0) return { z: 0, p: 1 };
  const z = (count2 / seconds2 - count1 / seconds1) / Math.sqrt(variance);
  return { z, p: twoSidedP(z) };
}

/**
 * Two token rates (tokens per second of wall time), as compound Poisson
 * processes: requests arrive as a Poisson process and each brings X tokens,
 * so the variance of a run's token total is estimated by the sum of X² over
 * its requests (not by the total, as for a plain count: tokens arrive in
 * clumps of one request's answer). z-test of the difference of the rates.
 */
export function compoundRateTest(
  a: { sum: number; sumSquares: number; seconds: number },
  b: { sum: number; sumSquares: number; seconds: number },
): ProportionTest {
  if (a.seconds <= 0 || b.seconds <= 0) return { z: 0, p: 1 };
  const variance = a.sumSquares / (a.seconds * a.seconds) + b.sumSquares / (b.seconds * b.seconds);
  if (variance === 0) return { z: 0, p: 1 };
  const z = (b.sum / b.seconds - a.sum / a.seconds) / Math.sqrt(variance);
  return { z, p: twoSidedP(z) };
}

function twoSidedP(z: number): number {
  return Math.min(1, 2 * (1 - normalCdf(Math.abs(z))));
}

/** Standard normal CDF, via the Abramowitz & Stegun 7.1.26 erf (absolute error < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
