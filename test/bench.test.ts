import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchRow, checkGoals, renderGoals, CLIENT, medianRound, renderBenchTable, renderRounds, type BenchRow, type ClientReport } from '../lib/bench/bench-report.ts';
import { selectScenarios } from '../lib/bench/bench-scenarios.ts';
import { runBench, type BenchFile } from '../lib/commands/bench.ts';
import { captureIO } from './helpers/io.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streambench-bench-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string; file?: BenchFile }> {
  const captured = captureIO(dir);
  const output = join(dir, `bench-${Math.random().toString(36).slice(2)}.json`);
  const code = await runBench([...args, '-o', output], captured.io);
  const file = code === 0 ? (JSON.parse(await readFile(output, 'utf8')) as BenchFile) : undefined;
  return { code, stdout: captured.stdout(), stderr: captured.stderr(), file };
}

describe('selectScenarios', () => {
  it('scales request counts, clamps concurrency, and scales S4’s streams and hold time', () => {
    const [s1, s2, s3, s4] = selectScenarios(['S1', 's2', 'S3', 'S4'], 0.01);
    expect(s1).toMatchObject({ requests: 50, concurrency: 50, tokens: 64, ttftMs: 0 });
    expect(s2).toMatchObject({ requests: 20, concurrency: 20, ttftMs: 200, itlMs: 5 });
    expect(s3).toMatchObject({ requests: 1000, concurrency: 256, tokens: 16 });
    expect(s4).toMatchObject({ requests: 100, concurrency: 100, tokens: 10, itlMs: 100 });
    expect(selectScenarios(['S4'], 1)[0]).toMatchObject({ requests: 10_000, concurrency: 10_000, tokens: 300 });
  });

  it('rejects an unknown scenario or scale', () => {
    expect(() => selectScenarios(['S9'], 1)).toThrow(/unknown scenario "S9"/);
    expect(() => selectScenarios(['S1'], 0)).toThrow(/--scale/);
  });
});

describe('bench rows and goals', () => {
  const report = (ttft: number[], extra: Partial<ClientReport> = {}): ClientReport => ({
    ok: ttft.length,
    errors: 0,
    wall_s: 2,
    output_tokens: ttft.length * 10,
    ttft_ms: ttft,
    cpu_ms: 100,
    max_rss_kb: 51200,
    ...extra,
  });
  const [s1] = selectScenarios(['S1'], 0.001);

  it('takes inflation as measured minus true at the same percentile', () => {
    const row = benchRow(s1!, 'x', report([10, 20, 30]), [1, 2, 3]);
    expect(row).toMatchObject({ ttft_p50_ms: 20, true_p50_ms: 2, inflation_p50_ms: 18, req_per_s: 1.5, tokens_per_s: 15, peak_rss_mb: 50 });
    expect(row.cpu_ms_per_request).toBeCloseTo(33.333, 3);
    expect(row.inflation_p99_ms).toBeCloseTo(29.8 - 2.98, 2);
  });

  it('checks the goals against the peers of the same run', () => {
    const row = (scenario: string, client: string, fields: Partial<BenchRow>): BenchRow => ({
      ...benchRow(selectScenarios([scenario], 0.001)[0]!, client, report([1]), [1]),
      ...fields,
    });
    const rows = [
      row('S1', CLIENT.streambench('undici'), { req_per_s: 2000 }),
      row('S1', CLIENT.aiohttpRaw, { req_per_s: 1000 }),
      // The JSON-parsing peer is shown, but the goals are against the raw one.
      row('S1', CLIENT.aiohttp, { req_per_s: 100 }),
      row('S2', CLIENT.streambench('undici'), { inflation_p99_ms: 20 }),
      row('S2', CLIENT.aiohttpRaw, { inflation_p99_ms: 300 }),
      row('S2', CLIENT.aiohttp, { inflation_p99_ms: 100 }),
      row('S2', CLIENT.nodeHttp, { inflation_p99_ms: 10 }),
      row('S3', CLIENT.streambench('undici'), { peak_rss_mb: 245 }),
    ];
    expect(checkGoals(rows, 'undici')).toEqual([
      { goal: 'S1 req/s vs aiohttp raw >= 1.25x', value: 2, met: true },
      { goal: 'S2 TTFT inflation p99 vs aiohttp raw <= 0.1x', value: 0.07, met: true },
      { goal: 'S2 TTFT inflation p99 vs node:http minimal <= 1.2x', value: 2, met: false },
      { goal: 'S3 peak RSS <= 240 MB', value: 245, met: false },
      { goal: 'S4 holds with no errors', value: null, met: null },
    ]);
    expect(renderBenchTable(rows).split('\n')[0]).toMatch(/^\| scenario \| client .*\| peak RSS MB \|$/);
    // A raw-chunk peer that timed the role chunk reads earlier than the truth: no ratio, and the goal says why.
    const early = checkGoals([...rows.filter((r) => r.client !== CLIENT.aiohttpRaw || r.scenario !== 'S2'), row('S2', CLIENT.aiohttpRaw, { inflation_p99_ms: -40 })], 'undici');
    expect(early[1]).toMatchObject({ value: null, met: null, note: expect.stringMatching(/^no ratio: the raw peer's TTFT p99 is 40 ms before the truth's/) });
    expect(renderGoals(early)).toContain("n/a   S2 TTFT inflation p99 vs aiohttp raw <= 0.1x: no ratio: the raw peer's TTFT p99 is 40 ms before");
  });

  it('shows a client’s median round by its scenario’s goal metric, with every round’s value', () => {
    const rounds = (scenario: string, field: keyof BenchRow, values: number[]) =>
      values.map((value, i) => ({ ...benchRow(selectScenarios([scenario], 0.001)[0]!, 'c', report([i + 1]), [1]), [field]: value }));
    const s2 = medianRound(rounds('S2', 'inflation_p99_ms', [135, 57, 88]));
    expect(s2.inflation_p99_ms).toBe(88);
    // The whole row is that round's: its other fields too.
    expect(s2.ttft_p50_ms).toBe(3);
    expect(s2.rounds).toEqual({ metric: 'inflation p99 ms', values: [135, 57, 88] });
    const s1 = medianRound(rounds('S1', 'req_per_s', [4100, 3900, 4200]));
    expect(s1.req_per_s).toBe(4100);
    expect(renderRounds([s1, s2])).toBe(
      'S1 c: req/s by round 4100, 3900, 4200 (median shown)\nS2 c: inflation p99 ms by round 135, 57, 88 (median shown)\n',
    );
    const single = medianRound(rounds('S3', 'peak_rss_mb', [240]));
    expect(single.rounds).toBeUndefined();
    expect(renderRounds([single])).toBe('');
  });
});

describe('npm run bench at a tiny scale', () => {
  it('runs the endpoint and the clients, prints the table and the goals, writes the results', async () => {
    const { code, stdout, stderr, file } = await bench([
      '--scenario', 'S1', '--scale', '0.004', '--transports', 'undici', '--peers', 'node-http,aiohttp', '--python', '/nonexistent/python3',
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/\| scenario \| client/);
    expect(stdout).toMatch(/\| S1 +\| streambench\/undici +\| 20\/20 /);
    expect(stdout).toMatch(/\| S1 +\| node:http \(minimal peer\) +\| 20\/20 /);
    expect(stdout).toContain('Goals (streambench/undici');
    expect(stdout).toContain('S1 req/s vs aiohttp raw >= 1.25x: not measured in this run');
    expect(stdout).toContain('aiohttp peer skipped: /nonexistent/python3 cannot import aiohttp');
    expect(file!.rows.map((r) => r.client)).toEqual(['streambench/undici', 'node:http (minimal peer)']);
    for (const row of file!.rows) {
      expect(row.ok).toBe(20);
      expect(row.true_p50_ms).not.toBeNull();
      expect(row.ttft_p50_ms! - row.true_p50_ms!).toBeCloseTo(row.inflation_p50_ms!, 1);
      expect(row.peak_rss_mb).toBeGreaterThan(0);
    }
    expect(file!.rows[0]!.selfcheck).toBeDefined();
    expect(file!.goals).toHaveLength(5);
    // S1 runs three rounds, each client in rotated order; the table shows each client's median round.
    expect(stderr).toMatch(/round 1 streambench\/undici[^]*round 2 node:http \(minimal peer\)[^]*round 2 streambench\/undici/);
    expect(stdout).toMatch(/S1 streambench\/undici: req\/s by round [\d.]+, [\d.]+, [\d.]+ \(median shown\)/);
    expect(file!.rows[0]!.rounds!.values).toHaveLength(3);
  });

  const hasAiohttp = spawnSync('/usr/bin/python3', ['-c', 'import aiohttp'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasAiohttp)('runs both Python aiohttp peers when python3-aiohttp is installed', async () => {
    const { code, file } = await bench(['--scenario', 'S1', '--scale', '0.002', '--transports', 'undici', '--peers', 'aiohttp-raw,aiohttp']);
    expect(code).toBe(0);
    expect(file!.rows.map((r) => [r.client, r.ok])).toEqual([
      ['streambench/undici', 10],
      ['aiohttp, raw chunks (the original tool)', 10],
      ['aiohttp, JSON (Python peer)', 10],
    ]);
    const raw = file!.rows.find((r) => r.client === CLIENT.aiohttpRaw)!;
    const json = file!.rows.find((r) => r.client === CLIENT.aiohttp)!;
    // The raw peer counts chunks, the JSON peer content tokens (64 a request).
    expect(Math.round(json.tokens_per_s / json.req_per_s)).toBe(64);
    expect(Math.round(raw.tokens_per_s / raw.req_per_s)).toBeLessThan(64);
    expect(file!.goals[0]!.value).not.toBeNull();
  });

  it('rejects unknown transports and peers with exit 2', async () => {
    expect((await bench(['--transports', 'curl'])).stderr).toMatch(/unknown transport "curl"/);
    expect((await bench(['--peers', 'wrk'])).code).toBe(2);
  });
});
