import { describe, expect, it } from 'vitest';
import { summarizeGroups } from '../lib/stats/groups.ts';
import type { RequestRecord } from '../lib/record/record.ts';
import { renderReport } from '../lib/report/report.ts';
import { summarize } from '../lib/stats/summary.ts';

let nextId = 1;
/** A record with synthetic timestamps: `ttftMs` to the first of `tokens` tokens, ending at `totalMs`. */
function record(group: string | undefined, ttftMs: number, totalMs: number, tokens = 10, failed = false): RequestRecord {
  const r: RequestRecord = {
    id: nextId++,
    startedAt: 0,
    tokenTimes: failed ? [] : Array.from({ length: tokens }, (_, i) => ttftMs + ((totalMs - ttftMs) * i) / Math.max(1, tokens - 1)),
    reasoningTokens: 0,
    endedAt: totalMs,
    bytes: 0,
    chunks: 0,
    sawEndMarker: !failed,
  };
  if (!failed) r.firstTokenAt = r.firstAnswerAt = ttftMs;
  else r.error = { kind: 'http', message: '503', status: 503 };
  if (group !== undefined) r.group = group;
  return r;
}

const records = [
  record('科技', 100, 1000),
  record('科技', 200, 1000),
  record('科技', 300, 2000),
  record('AI', 500, 500, 5),
  record('AI', 0, 50, 0, true),
  record('down', 0, 10, 0, true),
  record(undefined, 999, 999),
];

describe('summarizeGroups', () => {
  it('summarizes each group value on its own, sorted, leaving ungrouped records out', () => {
    const groups = summarizeGroups(records);
    expect(groups.map((g) => g.group)).toEqual(['AI', 'down', '科技']);
    const tech = groups[2]!.summary;
    expect(tech.total_requests).toBe(3);
    expect(tech.ttft!.p50).toBeCloseTo(0.2, 9);
    expect(tech.ttft!.p95).toBeCloseTo(0.29, 9); // 0.2 + 0.9 * (0.3 - 0.2)
    expect(tech.tokens_per_second!.mean).toBeCloseTo((10 + 10 + 5) / 3, 9);
    const ai = groups[0]!.summary;
    expect([ai.total_requests, ai.failed_count, ai.ttft!.count]).toEqual([2, 1, 1]);
    expect(groups[1]!.summary.ttft).toBeUndefined();
  });
});

describe('the per-group table', () => {
  const summary = summarize(records);
  const groups = { by: 'category', rows: summarizeGroups(records) };

  it('shows count, failures, TTFT P50/P95 and mean tokens/s per group, aligned', () => {
    const report = renderReport({ summary, groups }, { lang: 'en', detail: 'full' });
    const table = report.slice(report.indexOf('【Per group: category】')).split('\n').slice(0, 5);
    expect(table).toEqual([
      '【Per group: category】',
      '  Group  Requests  Failed  TTFT P50 (ms)  TTFT P95 (ms)  TTFT P99 (ms)  E2E P50 (ms)  E2E P99 (ms)  tok/s (mean)',
      '  AI            2       1          500.0          500.0          500.0         500.0         500.0          10.0',
      '  down          1       1              –              –              –             –             –             –',
      '  科技          3       0          200.0          290.0          298.0          1000          1980           8.3',
    ]);
    // The one-screen report names the section it leaves out.
    expect(renderReport({ summary, groups }, { lang: 'en' })).toMatch(/More with --report full: .*Per group: category/);
  });

  it('has Chinese labels, and is absent without group_by', () => {
    const zh = renderReport({ summary, groups }, { lang: 'zh', detail: 'full' });
    expect(zh).toContain('【分组统计: category】');
    expect(zh).toMatch(/ {2}分组 {2}请求数 {2}失败 {2}TTFT P50 \(ms\) {2}TTFT P95 \(ms\)/);
    expect(renderReport({ summary }, { lang: 'en', detail: 'full' })).not.toContain('Per group');
  });
});
