/**
 * An ASCII scatter chart of a sweep: throughput (output tokens/s) across,
 * TTFT p99 up, one marker per level (1-9, then A-Z), consecutive levels joined
 * by dots. Both axes start at 0 so the curve's shape is not exaggerated. A
 * pure renderer.
 */
import { labels, type Lang } from './i18n.ts';
import type { SweepResults } from '../load/sweep.ts';

export interface ChartOptions {
  lang: Lang;
  /** Plot area, in characters. */
  width?: number;
  height?: number;
}

const MARKERS = '123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function renderSweepChart(sweep: SweepResults, options: ChartOptions): string {
  const L = labels(options.lang);
  const width = options.width ?? 50;
  const height = options.height ?? 12;
  const points = sweep.levels.flatMap((level, i) =>
    level.summary.ttft
      ? [{ x: level.summary.output_tokens_per_second, y: level.summary.ttft.p99, marker: MARKERS[i] ?? '*', value: level.value }]
      : [],
  );
  const title = `【${L.chartTitle}】`;
  if (points.length === 0) return `${title}\n  ${L.noChartData}\n`;

  const maxX = Math.max(...points.map((p) => p.x)) || 1;
  const maxY = Math.max(...points.map((p) => p.y)) || 1;
  const column = (x: number) => Math.round((x / maxX) * (width - 1));
  const row = (y: number) => height - 1 - Math.round((y / maxY) * (height - 1));
  const grid = Array.from({ length: height }, () => Array<string>(width).fill(' '));

  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    const steps = Math.max(Math.abs(column(b.x) - column(a.x)), Math.abs(row(b.y) - row(a.y)));
    for (let s = 1; s < steps; s++) {
      const t = s / steps;
      grid[row(a.y + (b.y - a.y) * t)]![column(a.x + (b.x - a.x) * t)] = '.';
    }
  }
  for (const p of points) grid[row(p.y)]![column(p.x)] = p.marker;

  const top = `${maxY.toFixed(3)}s`;
  const bottom = '0s';
  const pad = Math.max(top.length, bottom.length);
  const lines = [title, `  TTFT p99`];
  grid.forEach((cells, i) => {
    const label = i === 0 ? top : i === height - 1 ? bottom : '';
    lines.push(`  ${label.padStart(pad)} |${cells.join('').trimEnd()}`);
  });
  lines.push(`  ${' '.repeat(pad)} +${'-'.repeat(width)}`);
  const right = `${maxX.toFixed(1)} ${L.tokPerSec}`;
  lines.push(`  ${' '.repeat(pad)}  0${right.padStart(width - 1)}`);
  lines.push(`  ${points.map((p) => `${p.marker}: ${sweep.parameter} ${p.value}`).join('   ')}`);
  return lines.join('\n') + '\n';
}
