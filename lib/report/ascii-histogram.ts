/**
 * A small ASCII histogram of a latency sample for the terminal, printed under
 * the report. Pure; shares its binning with the HTML report (histogram.ts).
 */
import { defaultBinCount, histogram } from '../stats/histogram.ts';
import { decimalsFor } from '../util/nice-numbers.ts';

export interface AsciiHistogramOptions {
  title: string;
  /** Width of the longest bar, in characters. */
  barWidth?: number;
  /** At most this many rows. */
  maxBins?: number;
  /** The unit the ranges are shown in (values are seconds either way); default s. */
  unit?: 's' | 'ms';
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** Values in seconds. Returns '' for an empty sample. */
export function renderAsciiHistogram(values: ArrayLike<number> & Iterable<number>, options: AsciiHistogramOptions): string {
  const maxBins = options.maxBins ?? 12;
  const scale = options.unit === 'ms' ? 1000 : 1;
  const scaled = scale === 1 ? values : Array.from(values, (v) => v * scale);
  const h = histogram(scaled, { bins: Math.min(maxBins, defaultBinCount(values.length)) });
  if (h.total === 0) return '';
  const barWidth = options.barWidth ?? 40;
  const width = (h.edges[1] as number) - (h.edges[0] as number);
  const decimals = Math.max(decimalsFor(width), 0);
  const ranges = h.counts.map((_, i) => `${(h.edges[i] as number).toFixed(decimals)}–${(h.edges[i + 1] as number).toFixed(decimals)}${options.unit === 'ms' ? ' ms' : 's'}`);
  const rangeWidth = Math.max(...ranges.map((r) => r.length));
  const peak = Math.max(...h.counts);
  const countWidth = String(peak).length;
  const lines = [`${options.title} (n = ${h.total})`];
  h.counts.forEach((count, i) => {
    const eighths = Math.round((count / peak) * barWidth * 8);
    const bar = '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
    lines.push(`  ${(ranges[i] as string).padStart(rangeWidth)} │${bar.padEnd(barWidth + 1)}${String(count).padStart(countWidth)}`);
  });
  return lines.join('\n') + '\n';
}
