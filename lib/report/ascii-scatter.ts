/**
 * An ASCII scatter chart for the terminal: one marker per point (1-9, then
 * A-Z), consecutive points joined by dots, both axes from 0 so a curve's shape
 * is not exaggerated. The sweep section draws its levels with it. Pure.
 */

export interface AsciiPoint {
  x: number;
  y: number;
  /** What the marker stands for, listed under the chart ("concurrency 4"). */
  label: string;
}

export interface AsciiScatterSpec {
  title: string;
  yLabel: string;
  /** Formats the top of the y axis ("190.0 ms"). */
  yFormat: (value: number) => string;
  xFormat: (value: number) => string;
  points: readonly AsciiPoint[];
  /** Shown instead of the plot when there is no point. */
  empty: string;
  /** Plot area, in characters. */
  width?: number;
  height?: number;
}

const MARKERS = '123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function renderAsciiScatter(spec: AsciiScatterSpec): string {
  const width = spec.width ?? 50;
  const height = spec.height ?? 12;
  const title = `${spec.title}`;
  const points = spec.points.map((p, i) => ({ ...p, marker: MARKERS[i] ?? '*' }));
  if (points.length === 0) return `${title}\n  ${spec.empty}\n`;

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

  const top = spec.yFormat(maxY);
  const bottom = '0';
  const pad = Math.max(top.length, bottom.length);
  const lines = [title, `  ${spec.yLabel}`];
  grid.forEach((cells, i) => {
    const label = i === 0 ? top : i === height - 1 ? bottom : '';
    lines.push(`  ${label.padStart(pad)} |${cells.join('').trimEnd()}`);
  });
  lines.push(`  ${' '.repeat(pad)} +${'-'.repeat(width)}`);
  const right = spec.xFormat(maxX);
  lines.push(`  ${' '.repeat(pad)}  0${right.padStart(width - 1)}`);
  lines.push(`  ${points.map((p) => `${p.marker}: ${p.label}`).join('   ')}`);
  return lines.join('\n') + '\n';
}
