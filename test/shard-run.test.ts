import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRun } from '../lib/commands/run.ts';
import { ResultsSchema, type Results } from '../lib/results/results.ts';
import { startSimServer, type SimServer } from '../lib/sim/server.ts';
import { captureRunIO } from './helpers/io.ts';
import { runScript } from './helpers/run-script.ts';

const dir = mkdtempSync(join(tmpdir(), 'streambench-shard-'));
const readResults = (path: string) => ResultsSchema.parse(JSON.parse(readFileSync(path, 'utf8')));

/** The most requests in flight at once, from the recorded start and end of each. */
function maxInFlight(results: Results): number {
  const events = results.metrics.flatMap((m) => [
    [m.timestamps.started, 1],
    [m.timestamps.ended, -1],
  ]);
  // At equal times an end frees its slot before the next start takes it.
  events.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let inFlight = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, (inFlight += delta!));
  return max;
}

let sim: SimServer;
let url: string;
beforeAll(async () => {
  sim = await startSimServer({ ttftMs: 40, itlMs: 2, tokens: 5, jitter: 0 });
  url = `${sim.url}/v1/chat/completions`;
});
afterAll(() => sim.close());

describe('run --shard', () => {
  it('sends every N-th request and its share of the concurrency, and records the shard', async () => {
    const shares = [];
    for (const index of [0, 1]) {
      const { io, stdout, stderr } = captureRunIO(dir);
      const output = join(dir, `s${index}.json`);
      expect(await runRun(['-u', url, '-n', '10', '-p', '5', '--shard', `${index}/3`, '-q', '-o', output], io)).toBe(0);
      const results = readResults(output);
      shares.push({ stderr: stderr(), results });
    }
    const [first, second] = shares as [(typeof shares)[0], (typeof shares)[0]];
    // 10 requests over 3 shards: 4, 3, 3; concurrency 5: 2, 2, 1.
    expect(first.results.metrics.map((m) => m.request_id)).toEqual([1, 4, 7, 10]);
    expect(second.results.metrics.map((m) => m.request_id)).toEqual([2, 5, 8]);
    expect(maxInFlight(first.results)).toBe(2);
    expect(maxInFlight(second.results)).toBe(2);
    expect(first.results.shard).toEqual({ index: 0, count: 3 });
    expect(first.results.summary.total_requests).toBe(4);
    // The config is the whole run's: every shard records the same one, but for `shard`.
    expect(second.results.config).toMatchObject({ total_requests: 10, concurrency: 5, shard: '1/3' });
    expect(second.stderr).toContain('3 requests | concurrency 2 |');
    expect(second.stderr).toContain('| shard 1/3 of (10 requests | concurrency 5)\n');
  });

  it('gives the last shard the smaller concurrency share', async () => {
    const { io } = captureRunIO(dir);
    const output = join(dir, 's2.json');
    expect(await runRun(['-u', url, '-n', '12', '-p', '5', '--shard', '2/3', '-q', '-o', output], io)).toBe(0);
    const results = readResults(output);
    expect(results.metrics.map((m) => m.request_id)).toEqual([3, 6, 9, 12]);
    expect(maxInFlight(results)).toBe(1);
  });

  it.each([
    [['--shard', '3/3'], /^error: invalid option: --shard \(shard\): must be "i\/N": shard i of N, 0-based \(0\/3, 1\/3, 2\/3\)$/],
    [['--shard', 'two'], /--shard \(shard\): must be "i\/N"/],
    [['--shard', '0/4', '-p', '3'], /^error: shard 0\/4: concurrency 3 cannot be split over 4 shards: each shard needs at least 1 in flight$/],
    [['--shard', '3/4', '-n', '3', '-p', '8'], /^error: shard 3\/4: total_requests 3 cannot be split over 4 shards/],
    [['--start-at', 'soon'], /^error: --start-at "soon" is not an ISO 8601 time with a zone/],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    const { io, stdout, stderr } = captureRunIO(dir);
    expect(await runRun(['-u', url, ...args, '-o', join(dir, 'never.json')], io)).toBe(2);
    expect(stderr().trim()).toMatch(message);
    expect(stderr().trim().split('\n')).toHaveLength(1);
  });

  it('splits an open loop: 1/N of the rate, its own arrival seed, the run\'s seed recorded', async () => {
    const { io, stderr } = captureRunIO(dir);
    const output = join(dir, 'rate.json');
    const code = await runRun(['-u', url, '-n', '6', '--rate', '40', '--seed', '7', '--shard', '1/2', '-q', '-o', output], io);
    expect(code, stderr()).toBe(0);
    expect(stderr()).toContain('| 3 requests | rate 20/s poisson | seed 8 |');
    expect(stderr()).toContain('| shard 1/2 of (6 requests | rate 40/s poisson | seed 7)');
    const results = readResults(output);
    expect(results.metrics.map((m) => m.request_id)).toEqual([2, 4, 6]);
    expect(results.config).toMatchObject({ rate: 40, seed: 7, shard: '1/2' });
  });

  it.each([
    [['--rate', '10'], /^error: .*--shard with rate needs a seed \(--seed\), the same in every shard$/],
    [['--sweep', 'concurrency=2,4'], /^error: shard 0\/2: a sweep runs its levels one after another in one process; shard one level instead$/],
  ])('refuses %j with --shard', async (args, message) => {
    const { io, stderr } = captureRunIO(dir);
    expect(await runRun(['-u', url, '-n', '4', '--shard', '0/2', ...args, '-o', join(dir, 'never.json')], io)).toBe(2);
    expect(stderr().trim()).toMatch(message);
  });

  it('starts at once with a note when --start-at is already past, and records the offset', async () => {
    const { io, stdout, stderr } = captureRunIO(dir);
    const output = join(dir, 'late.json');
    const startAt = new Date(Date.now() - 60_000).toISOString();
    expect(await runRun(['-u', url, '-n', '2', '-p', '2', '--shard', '1/2', '--start-at', startAt, '-q', '-o', output], io)).toBe(0);
    expect(stderr()).toMatch(/note: --start-at \S+ was already 6\d\.\d s past; starting now/);
    const results = readResults(output);
    expect(results.run.start_at).toBe(startAt);
    expect(results.shard!.clock_offset_ms).toBe(Date.parse(results.run.started_at) - Date.parse(startAt));
    expect(results.shard!.clock_offset_ms).toBeGreaterThanOrEqual(60_000);
  });

  it('sends nothing and writes nothing when interrupted while waiting for the start', async () => {
    const controller = new AbortController();
    const { io, stdout, stderr } = captureRunIO(dir, { signal: controller.signal });
    const output = join(dir, 'never-started.json');
    const startAt = new Date(Date.now() + 60_000).toISOString();
    const run = runRun(['-u', url, '-n', '2', '--start-at', startAt, '-o', output], io);
    setTimeout(() => controller.abort('SIGTERM'), 50);
    expect(await run).toBe(143);
    expect(stderr()).toMatch(/waiting until \S+ \(in 60\.0 s\) for the common start/);
    expect(stderr()).toContain('interrupted before the start: nothing was sent, no results written');
    expect(() => readFileSync(output)).toThrow(/ENOENT/);
  });

  it('with -o - prints the results as one JSON line on stdout and the report on stderr', async () => {
    const { io, stdout, stderr } = captureRunIO(dir);
    expect(await runRun(['-u', url, '-n', '4', '-p', '2', '--shard', '0/2', '-q', '-o', '-'], io)).toBe(0);
    const lines = stdout().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    const results = ResultsSchema.parse(JSON.parse(lines[0]!));
    expect(results.metrics.map((m) => m.request_id)).toEqual([1, 3]);
    expect(stderr()).toMatch(/^Requests: 2 ok · 0 failed/m);
    expect(stderr()).not.toContain('results written');
  });
});

describe('run --shard with a data file', () => {
  const data = join(dir, 'prompts.csv');
  writeFileSync(data, ['topic', ...Array.from({ length: 9 }, (_, i) => `topic ${i}`)].join('\n') + '\n');
  const body = JSON.stringify({ messages: [{ role: 'user', content: 'Write about {{topic}}' }], stream: true });

  async function shardRows(extra: string[]): Promise<number[][]> {
    const rows: number[][] = [];
    for (const index of [0, 1, 2]) {
      const { io, stdout, stderr } = captureRunIO(dir);
      const output = join(dir, `data-${index}.json`);
      const code = await runRun(['-u', url, '-d', body, '--data', data, '-n', '9', '-p', '3', '--shard', `${index}/3`, ...extra, '-q', '-o', output], io);
      expect(code, stderr()).toBe(0);
      rows.push(readResults(output).metrics.map((m) => m.row_index!));
    }
    return rows;
  }

  it('sends every N-th row: no row twice, and every row once over the shards', async () => {
    const rows = await shardRows([]);
    expect(rows).toEqual([[0, 3, 6], [1, 4, 7], [2, 5, 8]]);
  });

  it('shuffles the rows alike in every shard when given a seed', async () => {
    const rows = await shardRows(['--shuffle', '--seed', '7']);
    expect(rows.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(rows.flat()).not.toEqual([0, 3, 6, 1, 4, 7, 2, 5, 8]);
  });

  it('refuses to shuffle without a seed, since each shard would draw its own order', async () => {
    const { io, stdout, stderr } = captureRunIO(dir);
    const code = await runRun(['-u', url, '-d', body, '--data', data, '-n', '9', '-p', '3', '--shard', '0/3', '--shuffle', '-o', join(dir, 'never.json')], io);
    expect(code).toBe(2);
    expect(stderr()).toMatch(/^error: --shard with shuffle needs a seed \(--seed\), the same in every shard\n$/);
  });
});

describe('three shard processes with a common --start-at', () => {
  it('each sends its share, none starts early, and their load overlaps', async () => {
    const slow = await startSimServer({ ttftMs: 300, itlMs: 2, tokens: 5, jitter: 0 });
    try {
      // Far enough ahead for three processes to boot on a busy 2-core machine.
      const startAt = new Date(Date.now() + 5_000).toISOString();
      const outputs = [0, 1, 2].map((index) => join(dir, `proc-${index}.json`));
      const runs = await Promise.all(
        outputs.map((output, index) =>
          runScript(
            ['-u', `${slow.url}/v1/chat/completions`, '-n', '10', '-p', '4', '--shard', `${index}/3`, '--start-at', startAt, '-q', '-o', output],
            { cwd: dir },
          ),
        ),
      );
      for (const run of runs) {
        expect(run.stderr).toContain('for the common start');
        expect(run.stderr).not.toContain('already');
        expect(run.code).toBe(0);
      }
      const results = outputs.map(readResults);
      // Requests 10 -> 4, 3, 3 and concurrency 4 -> 2, 1, 1.
      expect(results.map((r) => r.metrics.map((m) => m.request_id))).toEqual([[1, 4, 7, 10], [2, 5, 8], [3, 6, 9]]);
      expect(results.map(maxInFlight)).toEqual([2, 1, 1]);
      for (const [index, r] of results.entries()) {
        expect(r.shard).toMatchObject({ index, count: 3 });
        expect(r.run.start_at).toBe(startAt);
        expect(r.shard!.clock_offset_ms).toBe(Date.parse(r.run.started_at) - Date.parse(startAt));
        expect(r.shard!.clock_offset_ms).toBeGreaterThanOrEqual(0);
      }
      // On the shared wall clock, every shard started before any shard finished.
      const wall = (r: Results, ms: number) => Date.parse(r.run.started_at) + ms;
      const firstStarts = results.map((r) => wall(r, Math.min(...r.metrics.map((m) => m.timestamps.started))));
      const lastEnds = results.map((r) => wall(r, Math.max(...r.metrics.map((m) => m.timestamps.ended))));
      expect(Math.max(...firstStarts)).toBeLessThan(Math.min(...lastEnds));
    } finally {
      await slow.close();
    }
  });
});
