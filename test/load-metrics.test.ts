import { describe, expect, it } from 'vitest';
import { goodput, meetsSlo, parseSloFlag } from '../lib/stats/goodput.ts';
import { sendLag, totalTimeFromIntended, ttft, ttftFromIntended } from '../lib/stats/metrics.ts';
import { renderReport } from '../lib/report/report.ts';
import { recordToRow, rowToRecord } from '../lib/results/results.ts';
import { summarize } from '../lib/stats/summary.ts';
import { timeseries } from '../lib/stats/timeseries.ts';
import { failedRecord, makeRecord } from './helpers/records.ts';

describe('coordinated omission metrics', () => {
  it('measures latency from the actual and from the intended send', () => {
    const r = makeRecord({ intendedAt: 1000, start: 1250, ttft: 100, itl: 10, tokens: 3 });
    expect(sendLag(r)).toBeCloseTo(0.25, 9);
    expect(ttft(r)).toBeCloseTo(0.1, 9);
    expect(ttftFromIntended(r)).toBeCloseTo(0.35, 9);
    expect(totalTimeFromIntended(r)).toBeCloseTo((1250 + 100 + 20 + 1 - 1000) / 1000, 9);
    // No schedule: intended is the actual send.
    expect(sendLag(makeRecord({ intendedAt: undefined, start: 5 }))).toBe(0);
  });

  it('summary: lag sections only when something was sent late; the report warns above 10 ms p99', () => {
    const onTime = [makeRecord({ id: 1, start: 0 }), makeRecord({ id: 2, start: 50 })];
    const closed = summarize(onTime);
    expect(closed.send_lag).toBeUndefined();
    expect(renderReport({ summary: closed }, { lang: 'en', detail: 'full' })).not.toContain('Coordinated omission');

    const late = Array.from({ length: 10 }, (_, i) => makeRecord({ id: i + 1, intendedAt: i * 100, start: i * 100 + i * 5 }));
    const open = summarize(late);
    expect(open.send_lag!.max).toBeCloseTo(0.045, 9);
    expect(open.ttft_from_intended!.max).toBeCloseTo(0.145, 9);
    expect(open.ttft!.max).toBeCloseTo(0.1, 9);
    const report = renderReport({ summary: open }, { lang: 'en', detail: 'full' });
    expect(report).toContain('【Coordinated omission (open loop)】');
    expect(report).toMatch(/TTFT, from intended send +\d+\.\d+ +\d+\.\d+ +14\d\.\d +145\.0/);
    expect(report).toContain('send lag p99 is over 10 ms');
    const brief = renderReport({ summary: open }, { lang: 'en' });
    expect(brief).toMatch(/^Send lag: P50 [\d.]+ ms, P99 4\d\.\d\d ms · TTFT P99 from intended send 14\d\.\d ms/m);
    expect(brief).toContain('! send lag p99 is over 10 ms');

    const slight = summarize(late.map((r) => ({ ...r, startedAt: r.intendedAt! + 2 })));
    expect(renderReport({ summary: slight }, { lang: 'en', detail: 'full' })).not.toContain('over 10 ms');
    expect(renderReport({ summary: slight }, { lang: 'zh', detail: 'full' })).toContain('协调遗漏');
  });
});

describe('warm-up', () => {
  it('warm-up records are left out of every statistic and counted apart', () => {
    const warm = [
      makeRecord({ id: 1, start: 0, ttft: 2000, warmup: true }),
      failedRecord({ id: 2, start: 0, warmup: true }),
    ];
    const measured = [makeRecord({ id: 3, start: 3000, ttft: 100 }), makeRecord({ id: 4, start: 3000, ttft: 200 })];
    const summary = summarize([...warm, ...measured]);
    expect(summary.warmup_requests).toBe(2);
    expect(summary.total_requests).toBe(2);
    expect(summary.failed_count).toBe(0);
    expect(summary.ttft!.max).toBeCloseTo(0.2, 9);
    expect(summary.wall_time).toBeCloseTo(summarize(measured).wall_time, 9);
    expect(summarize(measured).warmup_requests).toBeUndefined();
    expect(renderReport({ summary }, { lang: 'en', detail: 'full' })).toMatch(/Warm-up requests \(not in the statistics\):\s+2/);
    expect(renderReport({ summary }, { lang: 'en' })).toContain('· 2 warm-up not counted');
  });

  it('round-trips warmup, intended_start and level through a results row', () => {
    const record = makeRecord({ id: 7, intendedAt: 12.5, start: 20, warmup: true, level: 4 });
    const row = recordToRow(record);
    expect(row).toMatchObject({ warmup: true, intended_start: 12.5, level: 4 });
    expect(rowToRecord(row)).toMatchObject({ warmup: true, intendedAt: 12.5, level: 4, startedAt: 20 });
    const measured = recordToRow(makeRecord({ intendedAt: 3, start: 3, warmup: false }));
    expect(measured).toMatchObject({ warmup: false, intended_start: 3 });
    expect(measured.level).toBeUndefined();
    // A row from a file that predates these fields (or an import) round-trips without them.
    const plain = recordToRow(makeRecord({ intendedAt: undefined, start: 3 }));
    expect('warmup' in plain || 'intended_start' in plain).toBe(false);
    expect(recordToRow(rowToRecord(plain))).toEqual(plain);
  });
});

describe('goodput', () => {
  const fast = makeRecord({ ttft: 100, itl: 10, tokens: 5 });
  it('meets an SLO only when every limit holds, from the intended send', () => {
    expect(meetsSlo(fast, { ttft: 0.2, tpot: 0.02, e2e: 1 })).toBe(true);
    expect(meetsSlo(fast, { ttft: 0.05 })).toBe(false);
    expect(meetsSlo(fast, { tpot: 0.005 })).toBe(false);
    expect(meetsSlo(fast, { e2e: 0.1 })).toBe(false);
    // 150 ms late: the user waited 250 ms for the first token.
    expect(meetsSlo({ ...fast, intendedAt: -150 }, { ttft: 0.2 })).toBe(false);
    expect(meetsSlo(failedRecord(), {})).toBe(false);
    // One token has no TPOT: a TPOT limit cannot fail it.
    expect(meetsSlo(makeRecord({ tokens: 1 }), { tpot: 0.001 })).toBe(true);
  });

  it('reports share and rate over the wall time, through summarize', () => {
    const records = [
      makeRecord({ id: 1, start: 0, ttft: 100 }),
      makeRecord({ id: 2, start: 0, ttft: 900 }),
      failedRecord({ id: 3, start: 0 }),
      makeRecord({ id: 4, start: 0, ttft: 150, warmup: true }),
    ];
    const result = goodput(records.slice(0, 3), { ttft: 0.5 }, 2);
    expect(result).toEqual({ slo: { ttft: 0.5 }, met: 1, share: 1 / 3, per_second: 0.5 });
    const summary = summarize(records, { slo: { ttft: 0.5 } });
    expect(summary.goodput).toMatchObject({ met: 1, share: 1 / 3 });
    expect(summary.goodput!.per_second).toBeCloseTo(1 / summary.wall_time, 9);
    expect(renderReport({ summary }, { lang: 'en', detail: 'full' })).toMatch(/【Goodput \(met every SLO\)】\n  SLO: +TTFT ≤ 500 ms\n  Met: +1 \/ 3\n  Share: +33\.3%/);
    expect(renderReport({ summary }, { lang: 'en' })).toMatch(/^Goodput \(TTFT ≤ 500 ms\): 1\/3 \(33\.3%\)/m);
  });

  it('parses the --slo flag form', () => {
    expect(parseSloFlag('ttft=0.5, tpot=50ms,e2e=10')).toEqual({ ttft: '0.5', tpot: '50ms', e2e: '10' });
    expect(() => parseSloFlag('ttft')).toThrow(/--slo: expected ttft=SECONDS/);
    expect(() => parseSloFlag('ttft=1=2')).toThrow(/--slo/);
  });
});

describe('timeseries', () => {
  it('buckets starts, completions, failures and tokens per second, and the mean in flight', () => {
    const records = [
      // 200..1500: tokens at 400, 900, 1400 (usage says 6 tokens: 2 per event).
      makeRecord({ id: 1, start: 200, ttft: 200, itl: 500, tokens: 3, endedAt: 1500, usage: { outputTokens: 6 } }),
      // 500..2500: tokens at 1000, 1100.
      makeRecord({ id: 2, start: 500, ttft: 500, itl: 100, tokens: 2, endedAt: 2500 }),
      failedRecord({ id: 3, start: 1200, endedAt: 1700 }),
    ];
    const series = timeseries(records);
    expect(series.bucket_seconds).toBe(1);
    expect(series.buckets.map(({ t, started, completed, failed, output_tokens }) => [t, started, completed, failed, output_tokens])).toEqual([
      [0, 2, 0, 0, 4],
      [1, 1, 1, 1, 4],
      [2, 0, 1, 0, 0],
    ]);
    // Bucket 0 covers 200..1000 of the run: busy 800 + 500 ms over 800 ms.
    expect(series.buckets[0]!.in_flight).toBeCloseTo(1300 / 800, 3);
    // Bucket 1: 500 + 1000 + 500 ms over 1000 ms.
    expect(series.buckets[1]!.in_flight).toBeCloseTo(2, 3);
    // Bucket 2 covers 2000..2500: one request throughout.
    expect(series.buckets[2]!.in_flight).toBeCloseTo(1, 3);
  });

  it('is empty without records and honours the bucket size', () => {
    expect(timeseries([])).toEqual({ bucket_seconds: 1, buckets: [] });
    const series = timeseries([makeRecord({ start: 0, endedAt: 4900 })], 2);
    expect(series.buckets.map((b) => b.t)).toEqual([0, 2, 4]);
  });
});
