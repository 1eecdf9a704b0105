import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRun } from '../lib/commands/run.ts';
import { ResultsSchema } from '../lib/results/results.ts';
import { startSimServer, type SimServer } from '../lib/sim/server.ts';
import { captureRunIO } from './helpers/io.ts';
import { runScript as runChild } from './helpers/run-script.ts';

const dir = mkdtempSync(join(tmpdir(), 'streambench-run-'));

const capture = () => captureRunIO(dir);

let sim: SimServer;
beforeAll(async () => {
  sim = await startSimServer({ ttftMs: 60, itlMs: 2, tokens: 10, jitter: 0 });
});
afterAll(() => sim.close());

describe('runRun', () => {
  it('runs against an OpenAI-compatible server, prints the report and writes valid results', async () => {
    const { io, stdout, stderr } = capture();
    const output = join(dir, 'a.json');
    const code = await runRun(['-u', `${sim.url}/v1/chat/completions`, '-n', '20', '-p', '5', '-o', output], io);
    expect(code).toBe(0);
    // The one-screen report: the run line, requests and tokens, one table of metric × mean/P50/P90/P99 in ms.
    const report = stdout().split('\n');
    expect(report[0]).toBe(`streambench · POST ${sim.url}/v1/chat/completions · openai-chat · concurrency 5 · 20 requests · transport undici`);
    expect(report.find((line) => line.startsWith('Requests:'))).toMatch(/^Requests: 20 ok · 0 failed \(0\.0%\) · [\d.]+ s · [\d.]+ req\/s$/);
    expect(report).toContainEqual(expect.stringMatching(/^ {2}Metric +Mean +P50 +P90 +P99$/));
    expect(report.find((line) => line.startsWith('  TTFT (ms) '))).toMatch(/^ {2}TTFT \(ms\) (?: +\d+\.\d+){4}$/);
    expect(report.length).toBeLessThan(25);
    expect(stderr()).toMatch(/\[001\] TTFT 0\.\d{3}s/);
    expect(stderr()).toMatch(/\[001\] done \d\.\d{3}s \| 10 tokens \| [\d.]+ tok\/s \| [\d.]+ KB/);
    const results = ResultsSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    expect(results.metrics).toHaveLength(20);
    expect(results.summary.success_count).toBe(20);
    expect(results.summary.ttft!.p50).toBeGreaterThanOrEqual(0.058);
    // Usage was requested automatically, so tokens come from the server's count.
    expect(results.metrics[0]).toMatchObject({ total_tokens: 10, token_source: 'usage', error: null });
    expect(results.config).toMatchObject({ concurrency: 5, total_requests: 20 });
    // A real http:// target: no simulator settings in the results.
    expect(results.config.simulator).toBeUndefined();
  });

  it('prints zh labels with --lang zh and drops per-request lines with --quiet', async () => {
    const { io, stdout, stderr } = capture();
    const code = await runRun(
      ['-u', `${sim.url}/v1/chat/completions`, '-n', '3', '-p', '3', '--lang', 'zh', '-q', '-o', join(dir, 'zh.json')],
      io,
    );
    expect(code).toBe(0);
    expect(stdout()).toContain('单请求输出速率 (tok/s)');
    expect(stdout()).toMatch(/^请求数: 3 成功/m);
    expect(stderr()).not.toContain('[001]');
  });

  it('clamps concurrency above the request count with a note', async () => {
    const { io, stdout, stderr } = capture();
    const output = join(dir, 'clamp.json');
    expect(await runRun(['-u', `${sim.url}/v1/chat/completions`, '-n', '2', '-p', '50', '-q', '-o', output], io)).toBe(0);
    expect(stderr()).toContain('note: concurrency 50 > requests 2; using 2');
  });

  it('classifies a dead server as connect errors and still reports', async () => {
    const dead = await startSimServer({ ttftMs: 0, itlMs: 0, tokens: 1, jitter: 0 });
    await dead.close();
    const { io, stdout, stderr } = capture();
    const output = join(dir, 'dead.json');
    const code = await runRun(['-u', `${dead.url}/v1/chat/completions`, '-n', '4', '-p', '2', '-q', '-o', output], io);
    expect(code).toBe(0);
    expect(stdout()).toMatch(/^ {2}connect ×4 {2}e\.g\. /m);
    const results = ResultsSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    expect(results.summary.failed_count).toBe(4);
    expect(results.summary.ttft).toBeUndefined();
    expect(results.metrics.every((m) => m.error_kind === 'connect')).toBe(true);
  });

  it.each([
    [['--bogus'], /unknown option '--bogus'/i],
    [['--url'], /--url/],
    [['-n', 'ten'], /--requests must be a number/],
    [['-H', 'NoColon'], /malformed header/],
    [['-d', '{not json'], /--body:1:2: invalid JSON/],
    [['-u', 'ftp://x'], /--url \(url\): must be an http\(s\)/],
  ])('rejects %j with one line and exit 2', async (args, message) => {
    const { io, stdout, stderr } = capture();
    const code = await runRun([...args, '-o', join(dir, 'never.json')], io);
    expect(code).toBe(2);
    expect(stderr()).toMatch(message);
    expect(stderr().trim().split('\n')).toHaveLength(1);
  });
});

function runScript(args: string[], options: { killAfterMs?: number } = {}) {
  return runChild(args, {
    cwd: dir,
    onStderr: (stderr, child) => {
      // Interrupt once the run is measurably under way.
      if (options.killAfterMs !== undefined && /\[0*2\] done/.test(stderr)) {
        setTimeout(() => child.kill('SIGINT'), options.killAfterMs);
        options.killAfterMs = undefined;
      }
    },
  });
}

describe('scripts/run.ts end to end (child processes)', () => {
  const config = join(dir, 'sim-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      url: 'sim://local/v1/chat/completions',
      body: { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true },
      concurrency: 4,
      total_requests: 12,
      simulator: { ttft_ms: 40, itl_ms: 2, tokens: 8, jitter: 0 },
    }),
  );

  it('starts the simulated endpoint in a child process, runs and writes results', async () => {
    const output = join(dir, 'e2e.json');
    const { code, stdout, stderr } = await runScript(['-c', config, '-o', output, '-q', '--report', 'full']);
    expect(stderr).toContain('using the built-in simulated endpoint');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Succeeded:\s+12 \(100\.0%\)/);
    expect(stdout).toContain('【Latency and token rates】');
    const results = ResultsSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    expect(results.metrics).toHaveLength(12);
    // The simulator served it: its settings are recorded.
    expect(results.config.simulator).toMatchObject({ ttft_ms: 40, tokens: 8 });
  });

  it('--help piped (not a terminal) is plain text, without ANSI escapes', async () => {
    const { code, stdout } = await runScript(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('USAGE run [OPTIONS]');
    expect(stdout).toContain('--report');
    expect(stdout).not.toContain('\x1b');
  });

  it('on SIGINT aborts in-flight requests, saves partial results and exits 130', async () => {
    const slow = join(dir, 'slow-config.json');
    writeFileSync(
      slow,
      JSON.stringify({
        url: 'sim://local/v1/chat/completions',
        concurrency: 2,
        total_requests: 1000,
        simulator: { ttft_ms: 20, itl_ms: 50, tokens: 20, jitter: 0 },
      }),
    );
    const output = join(dir, 'interrupted.json');
    const { code, stdout } = await runScript(['-c', slow, '-o', output], { killAfterMs: 100 });
    expect(code).toBe(130);
    expect(stdout).toContain('Interrupted');
    const results = ResultsSchema.parse(JSON.parse(readFileSync(output, 'utf8')));
    expect(results.run.interrupted).toBe(true);
    expect(results.metrics.length).toBeLessThan(1000);
    expect(results.metrics.some((m) => m.error_kind === 'aborted')).toBe(true);
    expect(results.metrics.filter((m) => m.error === null).length).toBeGreaterThanOrEqual(2);
  });
});
