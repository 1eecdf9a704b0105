/**
 * A number drawn per item (a conversation's turn count, a think time): fixed,
 * or `mean + stddev × z` (z standard normal, Box-Muller), clamped to
 * [min, max], rounded for whole numbers: the rule the workload's lengths
 * follow (docs/workloads.md), so every distribution flag means the same.
 */
import type { Rng } from './random.ts';

export interface DistributionSpec {
  mean: number;
  stddev?: number;
  min?: number;
  max?: number;
}

/** One draw; `integer` rounds it before the clamp. */
export function sampleDistribution(spec: DistributionSpec, rng: Rng, integer = false): number {
  const stddev = spec.stddev ?? 0;
  let value = stddev > 0 ? spec.mean + stddev * standardNormal(rng) : spec.mean;
  if (integer) value = Math.round(value);
  return Math.min(spec.max ?? Infinity, Math.max(spec.min ?? -Infinity, value));
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
