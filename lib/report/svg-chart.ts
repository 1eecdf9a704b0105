/**
 * Hand-written SVG charts: axes with nice ticks, lines, steps, point clouds,
 * histogram bars, grouped bars and a legend. Pure functions returning an
 * <svg> string; no script, no external resource, so the report works offline,
 * from disk and under a strict CSP. Hover text uses SVG <title> elements.
 */
import { escapeHtml } from '../util/html-escape.ts';
import { decimalsFor, niceTicks, type Ticks } from '../util/nice-numbers.ts';

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#999999', '#F0E442'] as const;

const WIDTH = 640;
const HEIGHT = 300;
const MARGIN = { left: 62, right: 18, top: 30, bottom: 46 } as const;

export interface Axis {
  label: string;
  /** Domain bounds; by default from the data (y includes 0 unless `zero` is false). */
  min?: number;
  max?: number;
  zero?: boolean;
  format?: (value: number) => string;
}

export interface XYSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  /** line: joined points; step: a right-continuous staircase (CDFs); points: a point cloud. */
  style: 'line' | 'step' | 'points';
  color?: string;
  dashed?: boolean;
  /** Marks each point with a dot and this text beside it (sweep levels). */
  pointLabels?: readonly string[];
  /** Hover text per point (only with pointLabels, where each point is its own element). */
  pointTitles?: readonly string[];
}

export interface XYChartSpec {
  title: string;
  x: Axis;
  y: Axis;
  series: readonly XYSeries[];
}

export interface HistogramSpec {
  title: string;
  x: Axis;
  y: Axis;
  /** Shared bin edges; every series has edges.length - 1 counts. */
  edges: readonly number[];
  series: ReadonlyArray<{ name: string; counts: readonly number[]; color?: string }>;
}

export interface BarChartSpec {
  title: string;
  x: { label: string };
  y: Axis;
  categories: readonly string[];
  /** values[i] belongs to categories[i]; undefined leaves a gap. */
  series: ReadonlyArray<{ name: string; values: ReadonlyArray<number | undefined>; color?: string }>;
}

interface Frame {
  sx: (v: number) => number;
  sy: (v: number) => number;
  xTicks: Ticks;
  yTicks: Ticks;
}

const PLOT = {
  left: MARGIN.left,
  right: WIDTH - MARGIN.right,
  top: MARGIN.top,
  bottom: HEIGHT - MARGIN.bottom,
};

export function xyChart(spec: XYChartSpec): string {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series) {
    for (const [x, y] of s.points) {
      if (Number.isFinite(x) && Number.isFinite(y)) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  const frame = makeFrame(spec.x, spec.y, xs, ys);
  const body: string[] = [];
  spec.series.forEach((s, i) => {
    const color = s.color ?? colorAt(i);
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (pts.length === 0) return;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (s.style === 'points') {
      // One path of zero-length round-capped segments: a dot per point, ~12 bytes each.
      const d = pts.map(([x, y]) => `M${fmt(frame.sx(x))} ${fmt(frame.sy(y))}h0`).join('');
      body.push(`<path class="series" data-series="${esc(s.name)}" d="${d}" stroke="${color}" stroke-width="4.5" stroke-linecap="round" stroke-opacity="0.7" fill="none"/>`);
    } else {
      const d = s.style === 'step' ? stepPath(pts, frame) : linePath(pts, frame);
      body.push(`<path class="series" data-series="${esc(s.name)}" d="${d}" stroke="${color}" stroke-width="2" fill="none" stroke-linejoin="round"${dash}/>`);
    }
    if (s.pointLabels) {
      pts.forEach(([x, y], j) => {
        const cx = fmt(frame.sx(x));
        const cy = fmt(frame.sy(y));
        const tip = s.pointTitles?.[j];
        body.push(
          `<g><circle cx="${cx}" cy="${cy}" r="4" fill="${color}"/>` +
            (tip ? `<title>${esc(tip)}</title>` : '') +
            `<text x="${fmt(frame.sx(x) + 6)}" y="${fmt(frame.sy(y) - 6)}" class="point-label">${esc(s.pointLabels?.[j] ?? '')}</text></g>`,
        );
      });
    }
  });
  return svg(spec.title, frame, spec.x.label, spec.y.label, spec.x.format, spec.y.format, body, legendOf(spec.series));
}

export function histogramChart(spec: HistogramSpec): string {
  const first = spec.edges[0] ?? 0;
  const last = spec.edges[spec.edges.length - 1] ?? 1;
  const maxCount = Math.max(0, ...spec.series.flatMap((s) => s.counts));
  const frame = makeFrame({ ...spec.x, min: spec.x.min ?? first, max: spec.x.max ?? last }, spec.y, [first, last], [0, maxCount]);
  const overlay = spec.series.length > 1;
  const body: string[] = [];
  const xFormat = spec.x.format ?? ((v: number) => String(v));
  spec.series.forEach((s, i) => {
    const color = s.color ?? colorAt(i);
    const rects: string[] = [];
    s.counts.forEach((count, b) => {
      if (count <= 0) return;
      const x0 = spec.edges[b] as number;
      const x1 = spec.edges[b + 1] as number;
      const left = frame.sx(x0) + 0.5;
      const width = Math.max(1, frame.sx(x1) - frame.sx(x0) - 1);
      const top = frame.sy(count);
      rects.push(
        `<rect x="${fmt(left)}" y="${fmt(top)}" width="${fmt(width)}" height="${fmt(PLOT.bottom - top)}"><title>${esc(
          `${s.name ? `${s.name}: ` : ''}${xFormat(x0)} – ${xFormat(x1)}: ${count}`,
        )}</title></rect>`,
      );
    });
    body.push(`<g class="series" data-series="${esc(s.name)}" fill="${color}"${overlay ? ' fill-opacity="0.5"' : ''}>${rects.join('')}</g>`);
  });
  return svg(spec.title, frame, spec.x.label, spec.y.label, spec.x.format, spec.y.format, body, overlay ? legendOf(spec.series) : '');
}

export function barChart(spec: BarChartSpec): string {
  const values = spec.series.flatMap((s) => s.values.filter((v): v is number => v !== undefined && Number.isFinite(v)));
  const yTicks = niceTicks(Math.min(0, spec.y.min ?? 0, ...values), Math.max(spec.y.max ?? 0, ...values, 0));
  const n = Math.max(1, spec.categories.length);
  const band = (PLOT.right - PLOT.left) / n;
  const frame: Frame = {
    sx: (v) => PLOT.left + band * (v + 0.5),
    sy: scale(yTicks.min, yTicks.max, PLOT.bottom, PLOT.top),
    xTicks: { values: [], step: 1, min: 0, max: n },
    yTicks,
  };
  const groupWidth = band * 0.8;
  const barWidth = groupWidth / Math.max(1, spec.series.length);
  const format = spec.y.format ?? defaultFormat(yTicks.step);
  const body: string[] = [];
  spec.series.forEach((s, i) => {
    const color = s.color ?? colorAt(i);
    const rects: string[] = [];
    s.values.forEach((v, c) => {
      if (v === undefined || !Number.isFinite(v)) return;
      const left = PLOT.left + band * c + (band - groupWidth) / 2 + barWidth * i;
      const top = frame.sy(Math.max(0, v));
      const height = Math.abs(frame.sy(v) - frame.sy(0));
      rects.push(
        `<rect x="${fmt(left)}" y="${fmt(top)}" width="${fmt(Math.max(1, barWidth - 1))}" height="${fmt(height)}"><title>${esc(
          `${spec.categories[c] ?? ''} · ${s.name}: ${format(v)}`,
        )}</title></rect>`,
      );
    });
    body.push(`<g class="series" data-series="${esc(s.name)}" fill="${color}">${rects.join('')}</g>`);
  });
  const labelSize = n > 8 ? 9 : 11;
  const categoryLabels = spec.categories
    .map(
      (c, i) =>
        `<text x="${fmt(frame.sx(i))}" y="${PLOT.bottom + 16}" text-anchor="middle" font-size="${labelSize}">${esc(truncate(c, Math.max(4, Math.floor(band / 7))))}<title>${esc(c)}</title></text>`,
    )
    .join('');
  return svg(spec.title, frame, spec.x.label, spec.y.label, undefined, spec.y.format, [...body, categoryLabels], legendOf(spec.series));
}

function makeFrame(x: Axis, y: Axis, xs: readonly number[], ys: readonly number[]): Frame {
  const [xMin, xMax] = extent(xs, x.min, x.max, x.zero === true);
  const [yMin, yMax] = extent(ys, y.min, y.max, y.zero !== false);
  const xTicks = niceTicks(xMin, xMax, 6);
  const yTicks = niceTicks(yMin, yMax, 5);
  // Data-driven x domains end at the data, not at the next round tick; fixed ones keep their bounds.
  const xLo = x.min ?? xTicks.min;
  const xHi = x.max ?? xTicks.max;
  return {
    sx: scale(xLo, xHi, PLOT.left, PLOT.right),
    sy: scale(yTicks.min, yTicks.max, PLOT.bottom, PLOT.top),
    xTicks: { ...xTicks, values: xTicks.values.filter((v) => v >= xLo - 1e-9 && v <= xHi + 1e-9) },
    yTicks,
  };
}

function extent(values: readonly number[], min: number | undefined, max: number | undefined, zero: boolean): [number, number] {
  let lo = min ?? Infinity;
  let hi = max ?? -Infinity;
  if (min === undefined || max === undefined) {
    for (const v of values) {
      if (min === undefined && v < lo) lo = v;
      if (max === undefined && v > hi) hi = v;
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (zero && min === undefined) lo = Math.min(lo, 0);
  return [lo, hi];
}

function scale(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

function linePath(points: ReadonlyArray<readonly [number, number]>, frame: Frame): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${fmt(frame.sx(x))} ${fmt(frame.sy(y))}`).join('');
}

function stepPath(points: ReadonlyArray<readonly [number, number]>, frame: Frame): string {
  let d = '';
  points.forEach(([x, y], i) => {
    const px = fmt(frame.sx(x));
    const py = fmt(frame.sy(y));
    d += i === 0 ? `M${px} ${py}` : `H${px}V${py}`;
  });
  return d;
}

function svg(
  title: string,
  frame: Frame,
  xLabel: string,
  yLabel: string,
  xFormat: ((v: number) => string) | undefined,
  yFormat: ((v: number) => string) | undefined,
  body: readonly string[],
  legend: string,
): string {
  const fx = xFormat ?? defaultFormat(frame.xTicks.step);
  const fy = yFormat ?? defaultFormat(frame.yTicks.step);
  const grid = frame.yTicks.values
    .map((v) => {
      const y = fmt(frame.sy(v));
      return `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${y}" y2="${y}" class="grid"/><text x="${PLOT.left - 6}" y="${y}" dy="0.32em" text-anchor="end">${esc(fy(v))}</text>`;
    })
    .join('');
  const xTicks = frame.xTicks.values
    .map((v) => {
      const x = fmt(frame.sx(v));
      return `<line x1="${x}" x2="${x}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 4}" class="axis"/><text x="${x}" y="${PLOT.bottom + 16}" text-anchor="middle">${esc(fx(v))}</text>`;
    })
    .join('');
  const axes =
    `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${PLOT.bottom}" y2="${PLOT.bottom}" class="axis"/>` +
    `<line x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${PLOT.bottom}" class="axis"/>`;
  const labels =
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${HEIGHT - 8}" text-anchor="middle" class="axis-label">${esc(xLabel)}</text>` +
    `<text transform="translate(14 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${esc(yLabel)}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" class="chart-svg" font-size="11">` +
    `<title>${esc(title)}</title><g class="grid-layer">${grid}</g><g class="plot">${body.join('')}</g>${axes}${xTicks}${labels}${legend}</svg>`
  );
}

function legendOf(series: ReadonlyArray<{ name: string; color?: string; dashed?: boolean }>): string {
  const named = series.map((s, i) => ({ ...s, color: s.color ?? colorAt(i) })).filter((s) => s.name !== '');
  if (named.length === 0) return '';
  let x = PLOT.left;
  const items = named.map((s) => {
    const label = truncate(s.name, 40);
    const item =
      `<g class="legend-item" transform="translate(${fmt(x)} 12)"><rect width="12" height="4" y="-2" fill="${s.color}"/>` +
      `<text x="16" dy="0.32em">${esc(label)}</text></g>`;
    x += 24 + approxTextWidth(label);
    return item;
  });
  return `<g class="legend">${items.join('')}</g>`;
}

export function colorAt(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}

function defaultFormat(step: number): (v: number) => string {
  const decimals = Math.min(6, decimalsFor(step));
  return (v) => v.toFixed(decimals);
}

/** Rough width at 11px: CJK glyphs are about twice as wide as Latin ones. */
function approxTextWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += /[\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]/u.test(ch) ? 11 : 6.2;
  return width;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function fmt(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

const esc = escapeHtml;
