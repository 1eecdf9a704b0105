import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../lib/record/record.ts';
import { RecordStore } from '../lib/record/record-store.ts';
import type { LoadResult } from '../lib/load/runner.ts';
import { summarize } from '../lib/stats/summary.ts';
import { parseSweepFlag, runSweep, saturationReason, type SweepResults } from '../lib/load/sweep.ts';
import { renderReport } from '../lib/report/report.ts';
import { labels } from '../lib/report/i18n.ts';
import { sweepSection, tokensPerSecondPerUser } from '../lib/report/sweep-section.ts';
import { renderAsciiScatter } from '../lib/report/ascii-scatter.ts';
import { failedRecord, makeRecord } from './helpers/records.ts';

/** A level of `n` requests, `failed` of them failing, each with the given TTFT (ms). */
function levelRecords(firstId: number, n: number, failed: number, ttftMs: number): RequestRecord[] {
  return Array.from({ length: n }, (_, i) =>
    i < failed ? failedRecord({ id: firstId + i, start: i * 10 }) : makeRecord({ id: firstId + i, start: i * 10, ttft: ttftMs }),
  );
}

function fakeLevels(plan: Record<number, { failed: number; ttftMs: number }>) {
  const ran: Array<{ value: number; firstId: number; origin?: number }> = [];
  const runLevel = async (value: number, at: { origin?: number; firstId: number }): Promise<LoadResult> => {
    ran.push({ value, ...at });
    const { failed, ttftMs } = plan[value]!;
    const records = levelRecords(at.firstId, 10, failed, ttftMs).map((record) => ({ ...record, level: value }));
    return { records: RecordStore.from(records), origin: 1234, startedAt: new Date(0), interrupted: false, unsent: 0 };
  };
  return { ran, runLevel };
}

describe('runSweep', () => {
  const spec = { parameter: 'concurrency' as const, values: [1, 2, 4, 8], max_error_rate: 0.1 };

  it('runs every level in order with one origin and unique ids, keeping every level\'s records', async () => {
    const { ran, runLevel } = fakeLevels({ 1: { failed: 0, ttftMs: 100 }, 2: { failed: 0, ttftMs: 110 }, 4: { failed: 1, ttftMs: 120 }, 8: { failed: 0, ttftMs: 150 } });
    const levels: number[] = [];
    const run = await runSweep(spec, runLevel, { summarize, onLevel: (level) => levels.push(level.value) });
    expect(ran).toEqual([
      { value: 1, firstId: 1, origin: undefined },
      { value: 2, firstId: 11, origin: 1234 },
      { value: 4, firstId: 21, origin: 1234 },
      { value: 8, firstId: 31, origin: 1234 },
    ]);
    expect(levels).toEqual([1, 2, 4, 8]);
    expect(run.sweep.stopped_early).toBeUndefined();
    expect(run.records).toHaveLength(40);
    expect(new Set(run.records.toArray().map((r) => r.id)).size).toBe(40);
    expect(run.records.toArray().filter((r) => r.level === 4)).toHaveLength(10);
    // 1 failure in 10 is 10%: at the limit, not past it.
    expect(run.sweep.levels[2]!.summary.failed_count).toBe(1);
    expect(run.sweep.levels[2]!.stopped_reason).toBeUndefined();
  });

  it('stops early when a level passes the error-rate limit', async () => {
    const { ran, runLevel } = fakeLevels({ 1: { failed: 0, ttftMs: 100 }, 2: { failed: 3, ttftMs: 100 }, 4: { failed: 0, ttftMs: 100 }, 8: { failed: 0, ttftMs: 100 } });
    const run = await runSweep(spec, runLevel, { summarize });
    expect(ran.map((r) => r.value)).toEqual([1, 2]);
    expect(run.sweep.levels.map((l) => l.value)).toEqual([1, 2]);
    expect(run.sweep.levels[1]!.stopped_reason).toBe('error rate 30.0% > 10.0%');
    expect(run.sweep.stopped_early).toBe('concurrency 2: error rate 30.0% > 10.0%');
  });

  it('stops early when TTFT p99 passes its limit; the last level saturating is not "early"', async () => {
    const { ran, runLevel } = fakeLevels({ 1: { failed: 0, ttftMs: 100 }, 2: { failed: 0, ttftMs: 900 }, 4: { failed: 0, ttftMs: 100 } });
    const run = await runSweep({ ...spec, values: [1, 2, 4], max_ttft_p99: 0.5 }, runLevel, { summarize });
    expect(ran.map((r) => r.value)).toEqual([1, 2]);
    expect(run.sweep.stopped_early).toBe('concurrency 2: TTFT p99 0.900s > 0.5s');

    const last = await runSweep({ ...spec, values: [1, 2], max_ttft_p99: 0.5 }, fakeLevels({ 1: { failed: 0, ttftMs: 100 }, 2: { failed: 0, ttftMs: 900 } }).runLevel, { summarize });
    expect(last.sweep.levels[1]!.stopped_reason).toMatch(/TTFT p99/);
    expect(last.sweep.stopped_early).toBeUndefined();
  });

  it('stops after an interrupted level', async () => {
    let calls = 0;
    const run = await runSweep(spec, async (_value, at) => {
      calls++;
      return { records: RecordStore.from(levelRecords(at.firstId, 2, 0, 100)), origin: 0, startedAt: new Date(0), interrupted: true, unsent: 0 };
    }, { summarize });
    expect(calls).toBe(1);
    expect(run.interrupted).toBe(true);
    expect(run.sweep.stopped_early).toBe('concurrency 1: interrupted');
  });

  it('saturationReason: nothing within limits, and a level with no success is saturated', () => {
    const ok = summarize(levelRecords(1, 10, 0, 100));
    expect(saturationReason(ok, { max_error_rate: 0.1, max_ttft_p99: 1 })).toBeUndefined();
    expect(saturationReason(summarize(levelRecords(1, 4, 4, 100)), { max_error_rate: 0.5 })).toBe('error rate 100.0% > 50.0%');
  });

  it('parses the --sweep flag', () => {
    expect(parseSweepFlag('concurrency=1,2, 4')).toEqual({ parameter: 'concurrency', values: [1, 2, 4] });
    expect(parseSweepFlag('rate=0.5,1')).toEqual({ parameter: 'rate', values: [0.5, 1] });
    expect(() => parseSweepFlag('concurrency')).toThrow(/--sweep: expected concurrency=1,2,4,8/);
    expect(() => parseSweepFlag('rate=1,x')).toThrow(/--sweep/);
  });
});

describe('sweep renderers', () => {
  const level = (value: number, ttftMs: number, failed = 0) => ({ value, summary: summarize(levelRecords(1, 10, failed, ttftMs)) });
  const sweep: SweepResults = {
    parameter: 'concurrency',
    levels: [level(1, 100), level(2, 200), { ...level(4, 400, 5), stopped_reason: 'error rate 50.0% > 10.0%' }],
    stopped_early: 'concurrency 4: error rate 50.0% > 10.0%',
  };

  const data = { summary: summarize(sweep.levels.flatMap((l, i) => levelRecords(i * 10 + 1, 10, 0, 100))), sweep };

  it('the table has a row per level with requests, errors, req/s, tok/s, tok/s per user, TTFT P50/P99, TPOT P50 and E2E P99', () => {
    const lines = renderReport(data, { lang: 'en' }).split('\n');
    const title = lines.indexOf('【Sweep: concurrency】');
    expect(title).toBeGreaterThan(-1);
    expect(lines[title + 1]).toMatch(/^ {2}concurrency +Requests +Error rate +req\/s +out tok\/s +tok\/s per user +TTFT P50 \(ms\) +TTFT P99 \(ms\) +TPOT P50 \(ms\) +E2E P99 \(ms\) +Stopped$/);
    const row = (value: number) => lines.slice(title + 2, title + 5).find((l) => new RegExp(`^\\s+${value}\\s`).test(l))!;
    const s1 = sweep.levels[0]!.summary;
    expect(row(1)).toContain(s1.requests_per_second.toFixed(2));
    expect(row(1)).toContain(s1.output_tokens_per_second.toFixed(1));
    expect(row(2)).toMatch(/ 200\.0 +200\.0 +10\.00 +\d+\.\d$/);
    expect(row(4)).toMatch(/50\.0% .* error rate 50\.0% > 10\.0%$/);
    expect(lines).toContain('! The sweep stopped early: concurrency 4: error rate 50.0% > 10.0%');
    expect(lines.join('\n')).not.toContain('Send lag P99');
    // The pooled latency table is left out: levels differ by design.
    expect(lines.join('\n')).not.toContain('TTFT (ms) ');
  });

  it('tokens/s per user is 1 / TPOT P50', () => {
    const s = sweep.levels[1]!.summary;
    expect(tokensPerSecondPerUser(s)).toBeCloseTo(1 / s.tpot!.p50, 9);
    expect(tokensPerSecondPerUser({ tpot: undefined })).toBeUndefined();
  });

  it('draws the capacity chart and the Pareto chart, one point per level, and per-level tiles on demand', () => {
    const view = sweepSection.build(data, labels('en'))!;
    const charts = view.blocks.filter((b) => b.kind === 'chart');
    expect(charts.map((c) => c.kind === 'chart' && c.id)).toEqual(['sweep', 'pareto']);
    for (const chart of charts) {
      if (chart.kind !== 'chart') continue;
      expect(chart.svg).toMatch(/^<svg/);
      // One marked point per level that has data.
      expect(chart.svg!.match(/<circle /g)).toHaveLength(3);
      expect(chart.text).toContain('1: concurrency 1   2: concurrency 2   3: concurrency 4');
    }
    const tiles = view.blocks.filter((b) => b.kind === 'tiles');
    expect(tiles.map((t) => t.kind === 'tiles' && [t.title, t.collapsed])).toEqual([
      ['concurrency 1', true],
      ['concurrency 2', true],
      ['concurrency 4 — error rate 50.0% > 10.0%', true],
    ]);
  });

  it('the ASCII chart places each point by x (across) and y (up), from 0', () => {
    const points = sweep.levels.map((l) => ({ x: l.summary.output_tokens_per_second, y: l.summary.ttft!.p99, label: `concurrency ${l.value}` }));
    const chart = renderAsciiScatter({ title: 'T', yLabel: 'TTFT P99', yFormat: (v) => `${(v * 1000).toFixed(1)} ms`, xFormat: (v) => v.toFixed(1), points, empty: 'none', width: 40, height: 10 });
    const lines = chart.split('\n');
    const plot = lines.slice(2, 12);
    const position = (marker: string) => {
      const rowIndex = plot.findIndex((l) => l.slice(l.indexOf('|') + 1).includes(marker));
      const line = plot[rowIndex]!;
      return { row: rowIndex, column: line.indexOf(marker, line.indexOf('|') + 1) - line.indexOf('|') - 1 };
    };
    // Highest TTFT p99 (level 4, 0.4 s) on the top row; throughput ordering across.
    expect(position('3').row).toBe(0);
    expect(position('1').row).toBeGreaterThan(position('2').row);
    const x = points.map((p) => p.x);
    const maxX = Math.max(...x);
    for (const [i, marker] of ['1', '2', '3'].entries()) {
      expect(position(marker).column).toBe(Math.round((x[i]! / maxX) * 39));
    }
    expect(lines[2]).toMatch(/^\s+400\.0 ms \|/);
    expect(chart).toContain('1: concurrency 1   2: concurrency 2   3: concurrency 4');
    expect(renderAsciiScatter({ title: 'T', yLabel: 'y', yFormat: String, xFormat: String, points: [], empty: 'no level has a TTFT P99' })).toContain('no level has a TTFT P99');
  });
});
