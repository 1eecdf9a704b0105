/**
 * A number drawn per item (a conversation's turn count, a think time): fixed,
 * or normal around a mean with a standard deviation, kept within [min, max].
 * A draw outside the bounds is drawn again (up to 64 times, then clamped), so
 * the bounds truncate the distribution instead of piling draws on them.
 */
import type { Rng } from './random.ts';

export interface DistributionSpec {
  mean: number;
  stddev?: number;
  min?: number;
  max?: number;
}

const REDRAWS = 64;

/** One draw; `integer` rounds it (to the nearest whole number within the bounds). */
export function sampleDistribution(spec: DistributionSpec, rng: Rng, integer = false): number {
  const min = spec.min ?? -Infinity;
  const max = spec.max ?? Infinity;
  const fit = (value: number) => {
    const rounded = integer ? Math.round(value) : value;
    return Math.min(max, Math.max(min, rounded));
  };
  const stddev = spec.stddev ?? 0;
  if (stddev <= 0) return fit(spec.mean);
  for (let i = 0; i < REDRAWS; i++) {
    const value = integer ? Math.round(spec.mean + stddev * standardNormal(rng)) : spec.mean + stddev * standardNormal(rng);
    if (value >= min && value <= max) return value;
  }
  return fit(spec.mean);
}

/** "3", "mean 3, stddev 1, 1..6": for the run's header. */
export function describeDistribution(spec: DistributionSpec, format: (value: number) => string = String): string {
  if (!spec.stddev && spec.min === undefined && spec.max === undefined) return format(spec.mean);
  const parts = [`mean ${format(spec.mean)}`];
  if (spec.stddev) parts.push(`stddev ${format(spec.stddev)}`);
  if (spec.min !== undefined || spec.max !== undefined) parts.push(`${spec.min === undefined ? '' : format(spec.min)}..${spec.max === undefined ? '' : format(spec.max)}`);
  return parts.join(', ');
}

/** A standard normal by Box-Muller. */
function standardNormal(rng: Rng): number {
  const u1 = 1 - rng();
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
