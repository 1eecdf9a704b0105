import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeResults } from '../lib/results/merge.ts';
import type { Results } from '../lib/results/results.ts';
import { loadResults } from '../lib/results/results-load.ts';
import type { Distribution } from '../lib/stats/stats.ts';
import type { RunSummary } from '../lib/stats/summary.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/results');
const load = async (name: string) => ({ name, results: (await loadResults(join(FIXTURES, name))).results });
const clone = (results: Results): Results => structuredClone(results);

function expectSameStats(actual: RunSummary, expected: RunSummary): void {
  for (const key of ['total_requests', 'success_count', 'failed_count', 'output_tokens'] as const) expect(actual[key]).toBe(expected[key]);
  expect(actual.errors).toEqual(expected.errors);
  for (const key of ['wall_time', 'requests_per_second', 'output_tokens_per_second'] as const) {
    expect(actual[key]).toBeCloseTo(expected[key], 6);
  }
  for (const key of ['ttfb', 'ttft', 'ttfat', 'total_time', 'tpot', 'itl', 'tokens_per_second'] as const) {
    const a = actual[key] as Distribution;
    const e = expected[key] as Distribution;
    expect(a.count).toBe(e.count);
    for (const stat of ['min', 'max', 'mean', 'std', 'p50', 'p90', 'p95', 'p99'] as const) expect(a[stat]).toBeCloseTo(e[stat], 6);
  }
}

describe('merging results files', () => {
  it('two shards of one run (origins 2 s apart) give that run exactly', async () => {
    const single = mergeResults([await load('base.json')]);
    const merged = mergeResults([await load('shard-0.json'), await load('shard-1.json')]);
    expectSameStats(merged.summary, single.summary);
    expect(merged.warnings).toEqual([]);
    // The shard that started earlier defines the origin; the other is moved by the difference.
    expect(merged.results.merged_from).toEqual([
      expect.objectContaining({ file: 'shard-0.json', started_at: '2025-01-06T09:00:00.000Z', offset_ms: 2000, requests: 250, shard: { index: 0, count: 2 } }),
      expect.objectContaining({ file: 'shard-1.json', started_at: '2025-01-06T08:59:58.000Z', offset_ms: 0, requests: 250, shard: { index: 1, count: 2 } }),
    ]);
    expect(merged.results.run.started_at).toBe('2025-01-06T08:59:58.000Z');
    // Each shard holds the whole run's config: kept, not summed, without the shard.
    expect(merged.results.config).toMatchObject({ concurrency: 10, total_requests: 500 });
    expect(merged.results.config).not.toHaveProperty('shard');
  });

  it('keeps request ids unique, in send order, and remembers each one\'s file and id', async () => {
    const merged = mergeResults([await load('shard-0.json'), await load('shard-1.json')]);
    const ids = merged.results.metrics.map((row) => row.request_id);
    expect(ids).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    const starts = merged.records.map((r) => r.startedAt);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const sources = merged.results.metrics.map((row) => `${row.source!.file}:${row.source!.request_id}`);
    expect(new Set(sources).size).toBe(500);
    expect(merged.fileIndex.filter((file) => file === 1)).toHaveLength(250);
    merged.results.metrics.forEach((row, i) => expect(row.source!.file).toBe(merged.fileIndex[i]));
  });

  it('percentiles come from the union of samples, not from averaging percentiles', async () => {
    const a = await load('base.json');
    const b = await load('faster.json');
    b.results.run.started_at = a.results.run.started_at;
    const merged = mergeResults([a, b]);
    const union = [...a.results.metrics, ...b.results.metrics].flatMap((row) => (row.ttft === null ? [] : [row.ttft])).sort((x, y) => x - y);
    const rank = 0.95 * (union.length - 1);
    const expected = union[Math.floor(rank)]! + (union[Math.ceil(rank)]! - union[Math.floor(rank)]!) * (rank - Math.floor(rank));
    expect(merged.summary.ttft!.p95).toBeCloseTo(expected, 6);
    const averaged = (mergeResults([a]).summary.ttft!.p95 + mergeResults([b]).summary.ttft!.p95) / 2;
    expect(Math.abs(merged.summary.ttft!.p95 - averaged)).toBeGreaterThan(0.001);
  });

  it('runs the wall time from the earliest start to the latest end, across files', async () => {
    const a = await load('base.json');
    const b = { name: 'later.json', results: clone(a.results) };
    b.results.run.started_at = new Date(Date.parse(a.results.run.started_at) + 4000).toISOString();
    const single = mergeResults([a]).summary;
    const merged = mergeResults([a, b]);
    expect(merged.summary.wall_time).toBeCloseTo(single.wall_time + 4, 3);
    expect(merged.summary.total_requests).toBe(1000);
  });

  it('aligns files on their wall-clock start: a shard that began late stays late', async () => {
    const a = await load('shard-0.json');
    const b = await load('shard-1.json');
    // clock_offset_ms is how late shard 1 began after --start-at, on its own clock: a real delay, not a correction.
    b.results.shard = { index: 1, count: 2, clock_offset_ms: 2000 };
    expect(mergeResults([a, b]).results.merged_from!.map((m) => m.offset_ms)).toEqual([2000, 0]);
  });

  it('warns about whole runs that differ or do not overlap in time', async () => {
    const a = await load('base.json');
    const other = { name: 'other.json', results: clone(a.results) };
    other.results.config.url = 'http://127.0.0.1:9/other';
    expect(mergeResults([a, other]).warnings).toContain(
      'url differs: base.json http://127.0.0.1:8000/v1/chat/completions, other.json http://127.0.0.1:9/other',
    );
    const late = { name: 'late.json', results: clone(a.results) };
    late.results.run.started_at = '2025-01-06T12:00:00.000Z';
    expect(mergeResults([a, late]).warnings.join('\n')).toMatch(/late\.json does not overlap the other files in time/);
  });

  it('refuses a file whose start time is not a time', async () => {
    const a = await load('base.json');
    const bad = { name: 'bad.json', results: clone(a.results) };
    bad.results.run.started_at = 'yesterday';
    expect(() => mergeResults([a, bad])).toThrow('bad.json: run.started_at "yesterday" is not an ISO time');
    expect(() => mergeResults([])).toThrow('no results files to merge');
  });
});
