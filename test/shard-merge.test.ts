/**
 * A run split in shards, then merged by summarize, against the same run in
 * one piece: same request and success counts, every request and data row
 * exactly once, percentiles within a tolerance (two samples of one simulated
 * service), and shards that are not of one run refused.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRun } from '../lib/commands/run.ts';
import { runSummarize } from '../lib/commands/summarize.ts';
import { ResultsSchema, type Results } from '../lib/results/results.ts';
import { startSimServer, type SimServer } from '../lib/sim/server.ts';
import { captureIO, captureRunIO } from './helpers/io.ts';

const dir = mkdtempSync(join(tmpdir(), 'streambench-shard-merge-'));
const TOTAL = 24;
const SHARDS = 3;
const readResults = (path: string): Results => ResultsSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

async function summarizeFiles(...args: string[]) {
  const { io, stdout, stderr } = captureIO(dir);
  const code = await runSummarize(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

let sim: SimServer;
let runArgs: string[];
const single = join(dir, 'single.json');
const shardFiles = range(SHARDS).map((i) => join(dir, `shard-${i}.json`));

beforeAll(async () => {
  sim = await startSimServer({ ttftMs: 100, itlMs: 2, tokens: 5, jitter: 0.5, seed: 3 });
  const data = join(dir, 'rows.csv');
  writeFileSync(data, ['topic', ...range(TOTAL).map((i) => `topic ${i}`)].join('\n') + '\n');
  const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'About {{topic}}' }], stream: true });
  runArgs = ['-u', `${sim.url}/v1/chat/completions`, '-d', body, '--data', data, '-n', String(TOTAL), '-p', '6', '-q'];

  const whole = captureRunIO(dir);
  expect(await runRun([...runArgs, '-o', single], whole.io), whole.stderr()).toBe(0);
  // The shards side by side in one process, from a common start.
  const startAt = new Date(Date.now() + 300).toISOString();
  const codes = await Promise.all(
    shardFiles.map((output, index) => {
      const { io } = captureRunIO(dir);
      return runRun([...runArgs, '--shard', `${index}/${SHARDS}`, '--start-at', startAt, '-o', output], io);
    }),
  );
  expect(codes).toEqual([0, 0, 0]);
});
afterAll(() => sim.close());

describe('summarize merges the shards of one run', () => {
  it('into the same run as a single one: counts, every request and row once, percentiles within tolerance', async () => {
    const { code, stdout, stderr } = await summarizeFiles(...shardFiles, '--format', 'json');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const merged = ResultsSchema.parse(JSON.parse(stdout));
    const one = readResults(single);

    expect(merged.summary.total_requests).toBe(one.summary.total_requests);
    expect(merged.summary.success_count).toBe(one.summary.success_count);
    expect(merged.summary.success_count).toBe(TOTAL);
    // Row coverage: the single run's request ids and data rows, none twice.
    expect(sorted(merged.metrics.map((m) => m.request_id))).toEqual(range(TOTAL, 1));
    expect(sorted(merged.metrics.map((m) => m.row_index!))).toEqual(sorted(one.metrics.map((m) => m.row_index!)));
    expect(sorted(merged.metrics.map((m) => m.row_index!))).toEqual(range(TOTAL));
    // Each request kept the row it was sent with: id i+1 used row i in both.
    for (const m of merged.metrics) expect(m.row_index).toBe(m.request_id - 1);

    // Two samples of one simulated service (TTFT 100 ms ± 50% jitter): generous bounds, but a merge that
    // averaged per-shard percentiles, dropped a shard's rows or mixed up units would fall outside them.
    for (const stat of ['p50', 'p90'] as const) {
      const a = merged.summary.ttft![stat];
      const b = one.summary.ttft![stat];
      expect(Math.abs(a - b), `ttft ${stat}: merged ${a}, single ${b}`).toBeLessThanOrEqual(0.5 * b);
    }
    expect(merged.summary.ttft!.count).toBe(TOTAL);

    // The merged run's config is the whole run's, with no shard.
    expect(merged.config).toMatchObject({ total_requests: TOTAL, concurrency: 6 });
    expect(merged.config).not.toHaveProperty('shard');
    expect(merged.run.start_at).toBe(readResults(shardFiles[0]!).run.start_at);
  });

  it('sums throughput over the merged wall time: earliest start to latest end on the shared wall clock', async () => {
    const merged = ResultsSchema.parse(JSON.parse((await summarizeFiles(...shardFiles, '--format', 'json')).stdout));
    const shards = shardFiles.map(readResults);
    const wall = (r: Results, ms: number) => Date.parse(r.run.started_at) + ms;
    const first = Math.min(...shards.flatMap((r) => r.metrics.map((m) => wall(r, m.timestamps.started))));
    const last = Math.max(...shards.flatMap((r) => r.metrics.map((m) => wall(r, m.timestamps.ended))));
    expect(merged.summary.wall_time).toBeCloseTo((last - first) / 1000, 2);
    expect(merged.summary.requests_per_second).toBeCloseTo(merged.summary.success_count / merged.summary.wall_time, 6);
    // The shards overlapped: the merged wall time is well under the sum of theirs.
    expect(merged.summary.wall_time).toBeLessThan(shards.reduce((sum, r) => sum + r.summary.wall_time, 0));
  });

  it('shows a per-shard table: requests, failures, TTFT P50, start and offset after --start-at', async () => {
    const { code, stdout } = await summarizeFiles(...shardFiles, '--report', 'full');
    expect(code).toBe(0);
    const table = stdout.slice(stdout.indexOf('【Per shard (merged files)】')).split('\n\n')[0]!.split('\n');
    expect(table).toHaveLength(2 + SHARDS);
    for (const [index, file] of shardFiles.entries()) {
      const offset = readResults(file).shard!.clock_offset_ms!;
      expect(table[2 + index]).toMatch(new RegExp(`^  ${file.replaceAll('.', '\\.')} +${index}/3 +8 +0 +\\d+(\\.\\d+)? +\\+\\d+ +\\+${offset}$`));
    }
    const markdown = await summarizeFiles(...shardFiles, '--format', 'markdown');
    expect(markdown.stdout).toContain('| File | Shard | Requests | Failed | TTFT P50 (ms) | Start (ms) | After --start-at (ms) |');
  });

  it('warns, and still merges, when a shard is missing', async () => {
    const { code, stderr } = await summarizeFiles(shardFiles[0]!, shardFiles[2]!);
    expect(code).toBe(0);
    expect(stderr).toContain('warning: 2 of 3 shards given (missing 1/3): the merged report covers part of the run');
  });
});

describe('summarize refuses files that are not the shards of one run (exit 2, one line)', () => {
  /** A copy of shard 1 with `change` applied. */
  function variant(name: string, change: (results: Results & { config: Record<string, unknown> }) => void): string {
    const results = readResults(shardFiles[1]!) as Results & { config: Record<string, unknown> };
    change(results);
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(results));
    return path;
  }

  it.each([
    [
      'a config that differs in more than the shard fields, naming each field',
      () =>
        variant('other-config.json', (r) => {
          r.config.concurrency = 9;
          (r.config.body as { model: string }).model = 'other-model';
        }),
      /^error: cannot merge: \S+other-config\.json is not a shard of the same run as \S+shard-0\.json; they differ in concurrency \(6 vs 9\), body\.model \("m" vs "other-model"\)$/,
    ],
    [
      'other data',
      () => variant('other-data.json', (r) => void (r.dataset = { ...r.dataset!, sha256: 'f'.repeat(64) })),
      /^error: cannot merge: .*; they differ in dataset \(sha256 [0-9a-f]{12} vs ffffffffffff\)$/,
    ],
    [
      'the same shard twice',
      () => variant('again.json', (r) => void (r.shard = { ...r.shard!, index: 0 })),
      /^error: cannot merge: shard 0\/3 appears twice \(\S+shard-0\.json and \S+again\.json\), so its requests would count twice$/,
    ],
    [
      'another split',
      () => variant('split.json', (r) => void (r.shard = { index: 1, count: 2 })),
      /^error: cannot merge shards of different splits: \S+shard-0\.json is shard 0\/3 but \S+split\.json is shard 1\/2$/,
    ],
    [
      'a whole run with a shard',
      () => single,
      /^error: cannot merge \S+shard-0\.json \(shard 0\/3\) with \S+single\.json \(not a shard\): merge the shards of one run, or whole runs$/,
    ],
  ])('%s', async (_, make, message) => {
    const { code, stdout, stderr } = await summarizeFiles(shardFiles[0]!, make(), shardFiles[2]!);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim()).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('allows what differs by nature: timestamps, output path, report language and quiet', async () => {
    const path = variant('presentational.json', (r) => {
      Object.assign(r.config, { output: '/elsewhere/x.json', lang: 'zh', quiet: false, timestamp: '2030-01-01T00:00:00.000Z' });
    });
    expect((await summarizeFiles(shardFiles[0]!, path, shardFiles[2]!)).code).toBe(0);
  });
});
