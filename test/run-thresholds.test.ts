import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRun } from '../lib/commands/run.ts';
import { runSummarize } from '../lib/commands/summarize.ts';
import { captureIO, captureRunIO } from './helpers/io.ts';
import { startSimServer, type SimServer } from '../lib/sim/server.ts';

// TTFT >= 40 ms (jitter 0; later under load): thresholds far on either side of it.
let server: SimServer;
let URL_ = '';
beforeAll(async () => {
  server = await startSimServer({ ttftMs: 40, itlMs: 2, tokens: 3, jitter: 0, seed: 1 });
  URL_ = `${server.url}/v1/chat/completions`;
});
afterAll(() => server.close());

const tmp = mkdtempSync(join(tmpdir(), 'streambench-thresholds-'));

async function run(...args: string[]) {
  const captured = captureRunIO(tmp);
  const code = await runRun(['-u', URL_, '-n', '4', '-p', '2', '-q', '-o', join(tmp, 'out.json'), ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('run --threshold', () => {
  it('prints each threshold with its observed value and exits 0 when all pass', async () => {
    const { code, stderr, stdout } = await run('--threshold', 'ttft.p99 < 5', '--threshold', 'error_rate < 1%');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^streambench · POST /);
    expect(stderr).toMatch(/✓ ttft\.p99 < 5 +observed \d+\.\d{3}s\n/);
    expect(stderr).toMatch(/✓ error_rate < 1% +observed 0\.00%/);
    const results = JSON.parse(readFileSync(join(tmp, 'out.json'), 'utf8'));
    expect(results.thresholds).toEqual([
      { rule: 'ttft.p99 < 5', observed: expect.any(Number), pass: true },
      { rule: 'error_rate < 1%', observed: 0, pass: true },
    ]);
    // The observed value is the run's own statistic, as in the report.
    expect(results.thresholds[0].observed).toBe(results.summary.ttft.p99);
    expect(stderr).toContain(`observed ${results.summary.ttft.p99.toFixed(3)}s`);
  });

  it('exits 1 when any threshold fails, and still writes the report and results', async () => {
    const { code, stderr, stdout } = await run('--threshold', 'ttft.p99 < 5', '--threshold', 'ttft.p50 < 10ms');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^streambench · POST /);
    expect(stderr).toMatch(/✗ ttft\.p50 < 10ms +observed \d+\.\d{3}s\n/);
    expect(JSON.parse(readFileSync(join(tmp, 'out.json'), 'utf8')).thresholds[1]).toMatchObject({ pass: false });
  });

  it('reads thresholds from config.json; a flag replaces them', async () => {
    const config = join(tmp, 'config.json');
    writeFileSync(config, JSON.stringify({ url: URL_, thresholds: ['ttft.p50 < 1ms'] }));
    const fromFile = await run('-c', config);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toMatch(/✗ ttft\.p50 < 1ms/);
    const replaced = await run('-c', config, '--threshold', 'ttft.p50 < 5');
    expect(replaced.code).toBe(0);
    expect(replaced.stderr).not.toContain('1ms');
  });

  it('rejects a bad threshold before sending anything, naming where it came from', async () => {
    const flag = await run('--threshold', 'ttft.p99 < +10%');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^error: invalid threshold "ttft\.p99 < \+10%": .*thresholds are absolute/);
    expect(flag.stdout).toBe('');
    const config = join(tmp, 'bad.json');
    writeFileSync(config, JSON.stringify({ url: URL_, thresholds: ['ttft.p99 < 1', 'latency < 1'] }));
    const file = await run('-c', config);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/^error: invalid config \(.*bad\.json\): thresholds\.1: invalid rule "latency < 1": unknown metric/);
  });

  it("summarize reads the run's journal (<output>.jsonl) into the report of its results file", async () => {
    expect((await run()).code).toBe(0);
    const journal = captureIO(tmp);
    expect(await runSummarize(['out.jsonl', '--report', 'full'], journal.io)).toBe(0);
    expect(journal.stderr()).toMatch(/^note: out\.jsonl: read from a journal without a header/);
    const final = captureIO(tmp);
    expect(await runSummarize(['out.json', '--report', 'full'], final.io)).toBe(0);
    expect(journal.stdout()).toMatch(/Total requests: +4\n/);
    // The journal holds the requests only: the run's settings, client's self-check and thresholds are in the results file alone.
    const withoutSelfCheck = (text: string) =>
      text
        .replace(/^streambench · .*\n\n/m, '')
        .replace('! client-bound: measurements inflated\n\n', '')
        .replace(/【Client self-check】\n[\s\S]*?\n\n/, '')
        .replace(/【Thresholds】\n[\s\S]*?\n\n/, '');
    expect(final.stdout()).toContain('【Client self-check】');
    expect(withoutSelfCheck(journal.stdout())).toBe(withoutSelfCheck(final.stdout()));
  });
});
