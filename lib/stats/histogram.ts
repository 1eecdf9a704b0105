/**
 * Equal-width histogram binning with nice bin edges, shared by the HTML report
 * and the terminal's ASCII histogram. Pure.
 */
import { niceStep } from '../util/nice-numbers.ts';

export interface Histogram {
  /** Bin edges, ascending; bin i is [edges[i], edges[i+1]) and the last bin also holds its upper edge. */
  edges: number[];
  counts: number[];
  /** Values binned (finite ones only). */
  total: number;
}

export interface BinOptions {
  /** Target number of bins; the count follows from the nice width chosen. */
  bins?: number;
  /** Bin over this domain instead of the values' own (to overlay two runs on the same bins). */
  domain?: [number, number];
}

/** Default bin count: about √n, clamped to [5, 40] (the nice width then rounds it). */
export function defaultBinCount(n: number): number {
  return Math.min(40, Math.max(5, Math.round(Math.sqrt(n))));
}

export function histogram(values: Iterable<number>, options: BinOptions = {}): Histogram {
  const finite: number[] = [];
  for (const value of values) if (Number.isFinite(value)) finite.push(value);
  if (finite.length === 0 && !options.domain) return { edges: [], counts: [], total: 0 };
  let lo = options.domain?.[0] ?? Infinity;
  let hi = options.domain?.[1] ?? -Infinity;
  if (!options.domain) {
    for (const v of finite) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const target = options.bins ?? defaultBinCount(finite.length);
  const width = hi > lo ? niceStep((hi - lo) / target) : niceStep(Math.abs(lo) / 10 || 1);
  const start = Math.floor(lo / width + 1e-9) * width;
  // A value exactly on an inner edge goes to the upper bin; the maximum stays in the last (closed) bin.
  const binCount = Math.max(1, Math.ceil((hi - start) / width - 1e-9));
  const edges = Array.from({ length: binCount + 1 }, (_, i) => clean(start + i * width, width));
  const counts = new Array<number>(binCount).fill(0);
  let total = 0;
  for (const v of finite) {
    if (v < start || v > (edges[binCount] as number)) continue;
    const index = Math.min(binCount - 1, Math.floor((v - start) / width + 1e-9));
    counts[index] = (counts[index] as number) + 1;
    total++;
  }
  return { edges, counts, total };
}

function clean(value: number, width: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(width)) + 2);
  return Number(value.toFixed(Math.min(12, decimals)));
}
