import { describe, expect, it } from 'vitest';
import { histogram } from '../lib/stats/histogram.ts';
import { decimalsFor, niceStep, niceTicks } from '../lib/util/nice-numbers.ts';
import { barChart, histogramChart, xyChart } from '../lib/report/svg-chart.ts';

describe('nice numbers', () => {
  it('rounds steps to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceStep(0.137)).toBe(0.1);
    expect(niceStep(0.19)).toBe(0.2);
    expect(niceStep(2.7)).toBe(2.5);
    expect(niceStep(4)).toBe(5);
    expect(niceStep(80)).toBe(100);
  });

  it('gives ticks that cover the range, without float noise', () => {
    const t = niceTicks(0.13, 0.71, 5);
    expect(t.step).toBe(0.1);
    expect(t.values).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    expect(niceTicks(5, 5).values.length).toBeGreaterThan(1);
    expect(decimalsFor(0.25)).toBe(2);
    expect(decimalsFor(5)).toBe(0);
  });
});

describe('histogram', () => {
  it('bins every value once, with nice edges, the maximum in the last bin', () => {
    const values = [0.1, 0.12, 0.19, 0.2, 0.31, 0.5];
    const h = histogram(values, { bins: 4 });
    expect(h.edges).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(h.counts).toEqual([3, 1, 1, 1]);
    expect(h.total).toBe(values.length);
  });

  it('bins two samples over a shared domain so their bars line up', () => {
    const a = histogram([1, 2], { domain: [0, 10], bins: 5 });
    const b = histogram([9, 10], { domain: [0, 10], bins: 5 });
    expect(a.edges).toEqual(b.edges);
    expect(a.counts).toEqual([1, 1, 0, 0, 0]);
    expect(b.counts).toEqual([0, 0, 0, 0, 2]);
  });

  it('handles one value and no value', () => {
    expect(histogram([0.5]).total).toBe(1);
    expect(histogram([])).toEqual({ edges: [], counts: [], total: 0 });
  });
});

describe('svg charts', () => {
  it('draws each series as a path in the plot, scaled into the frame', () => {
    const svg = xyChart({
      title: 't',
      x: { label: 'x', min: 0, max: 10 },
      y: { label: 'y', min: 0, max: 1 },
      series: [{ name: 'a', style: 'line', points: [[0, 0], [10, 1]] }],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    // x=0 sits on the left edge of the plot (margin 62), x=10 on the right (640 - 18); y=1 at the top (30).
    expect(svg).toContain('d="M62 254L622 30"');
  });

  it('escapes every label and series name', () => {
    const svg = xyChart({
      title: '<t>',
      x: { label: '<x>' },
      y: { label: 'y' },
      series: [{ name: '"><script>', style: 'points', points: [[1, 1]] }],
    });
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<t>');
    expect(svg).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('draws one bar per non-empty bin and a bar per category and series', () => {
    const hist = histogramChart({ title: 'h', x: { label: 'x' }, y: { label: 'n' }, edges: [0, 1, 2, 3], series: [{ name: '', counts: [2, 0, 5] }] });
    expect(hist.match(/<rect /g)).toHaveLength(2);
    const bars = barChart({
      title: 'b',
      x: { label: 'g' },
      y: { label: 'v' },
      categories: ['a', 'b'],
      series: [
        { name: 'P50', values: [1, 2] },
        { name: 'P99', values: [3, undefined] },
      ],
    });
    expect(bars.match(/<rect x/g)).toHaveLength(3);
  });
});
