import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeResults } from '../lib/merge.ts';
import type { Results } from '../lib/results.ts';
import { loadResults } from '../lib/results-load.ts';
import type { Distribution } from '../lib/stats.ts';
import type { RunSummary } from '../lib/summary.ts';

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
      { file: 'shard-0.json', started_at: '2025-01-06T09:00:00.000Z', offset_ms: 2000, requests: 250 },
      { file: 'shard-1.json', started_at: '2025-01-06T08:59:58.000Z', offset_ms: 0, requests: 250 },
    ]);
    expect(merged.results.run.started_at).toBe('2025-01-06T08:59:58.000Z');
    expect(merged.results.config).toMatchObject({ concurrency: 10, total_requests: 500 });
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

  it('applies a shard clock offset, and warns about shards and files that do not fit', async () => {
    const a = await load('shard-0.json');
    const b = await load('shard-1.json');
    // shard-1's clock ran 2 s behind: corrected, both origins coincide.
    b.results.shard = { index: 1, count: 2, clock_offset_ms: -2000 };
    expect(mergeResults([a, b]).results.merged_from!.map((m) => m.offset_ms)).toEqual([0, 0]);

    const dup = { name: 'dup.json', results: clone(a.results) };
    dup.results.config.url = 'http://127.0.0.1:9/other';
    dup.results.shard = { index: 0, count: 3 };
    const warnings = mergeResults([a, dup]).warnings;
    expect(warnings).toContain('url differs: shard-0.json http://127.0.0.1:8000/v1/chat/completions, dup.json http://127.0.0.1:9/other');
    expect(warnings).toContain('shard 0/3 appears twice: shard-0.json and dup.json');
    expect(warnings).toContain('the files disagree on the shard count: 2, 3');
    expect(warnings).toContain('1 of 3 shards given: the merged report covers part of the run');

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
