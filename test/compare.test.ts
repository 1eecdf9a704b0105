import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCompare } from '../lib/commands/compare.ts';
import { captureIO } from './helpers/io.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/results');
const tmp = mkdtempSync(join(tmpdir(), 'streambench-compare-'));

async function compare(...args: string[]) {
  const captured = captureIO(FIXTURES);
  const code = await runCompare(args, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

/** The table row of a metric in the text output, split into cells. */
function row(stdout: string, metric: string): string[] {
  const line = stdout.split('\n').find((l) => l.trimStart().startsWith(`${metric} `));
  if (!line) throw new Error(`no row ${metric}`);
  return line.trim().split(/\s{2,}/);
}

/** The verdict column of every table row. */
function verdicts(stdout: string): string[] {
  const lines = stdout.split('\n');
  const header = lines.findIndex((l) => l.trimStart().startsWith('Metric '));
  const end = lines.indexOf('', header);
  return lines.slice(header + 1, end).map((l) => l.trim().split(/\s{2,}/).at(-1)!);
}

/** base.json with a few fields changed, written to a temp file. */
function variant(name: string, change: (results: Record<string, any>) => void): string {
  const results = JSON.parse(readFileSync(join(FIXTURES, 'base.json'), 'utf8'));
  change(results);
  const path = join(tmp, name);
  writeFileSync(path, JSON.stringify(results));
  return path;
}

describe('compare', () => {
  it('identical runs: every change is zero, no regression, exit 0', async () => {
    const { code, stdout } = await compare('base.json', 'base.json');
    expect(code).toBe(0);
    expect(row(stdout, 'ttft.p95')).toEqual(['ttft.p95', '0.338s', '0.338s', '±0.000s', '±0.0%', 'no significant change']);
    expect(new Set(verdicts(stdout))).toEqual(new Set(['no significant change']));
    expect(stdout).toContain('Result: no regression');
  });

  it('a 30% TTFT slowdown over 500 samples exits 1 and names the metric', async () => {
    const { code, stdout } = await compare('base.json', 'slow-ttft.json');
    expect(code).toBe(1);
    const p50 = row(stdout, 'ttft.p50');
    expect(p50[5]).toBe('worse');
    expect(Number.parseFloat(p50[4]!)).toBeGreaterThan(25);
    expect(stdout).toMatch(/✗ ttft\.p50 > \+10% +observed \+29\.\d%/);
    expect(stdout).toMatch(/Result: REGRESSION: ttft\.p50 > \+10% \(observed \+29\.\d%\); ttft\.p95 > \+10%/);
    // Error rates are equal: that rule holds.
    expect(stdout).toMatch(/✓ error_rate > \+10%/);
  });

  it('two samples of one distribution with noise are not flagged', async () => {
    const { code, stdout } = await compare('base.json', 'noisy.json');
    expect(code).toBe(0);
    expect(verdicts(stdout)).toHaveLength(15);
    expect(new Set(verdicts(stdout))).toEqual(new Set(['no significant change']));
    // The changes are not all zero: it is the test, not identical numbers, that says "no significant change".
    expect(row(stdout, 'ttft.p95')[4]).not.toBe('±0.0%');
  });

  it('a faster new run is "better" and exits 0', async () => {
    const { code, stdout } = await compare('base.json', 'faster.json');
    expect(code).toBe(0);
    for (const metric of ['ttft.p50', 'ttft.p95', 'total_time.p95', 'tpot.p50', 'tokens_per_second.mean', 'requests_per_second']) {
      expect(row(stdout, metric)[5], metric).toBe('better');
    }
    // The other way round the same difference is a regression.
    expect((await compare('faster.json', 'base.json')).code).toBe(1);
  });

  it('exits 2 for a missing file, a non-results file, bad flags and bad rules, with one line', async () => {
    for (const args of [
      ['base.json', 'missing.json'],
      ['base.json', 'not-results.json'],
      ['base.json'],
      ['base.json', 'base.json', 'missing.json'],
      ['base.json', 'base.json', '--format', 'pdf'],
      ['base.json', 'base.json', '--confidence', '2'],
      ['base.json', 'base.json', '--fail-on', 'ttft.p95 >> 3'],
      ['base.json', 'base.json', '--bogus'],
    ]) {
      const { code, stdout, stderr } = await compare(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(stderr).toMatch(/^error: /);
    }
    expect((await compare('base.json', 'missing.json')).stderr).toBe('error: cannot read results file missing.json: no such file\n');
  });

  it('--fail-on: absolute and relative rules, which replace the default', async () => {
    // base's error rate is 0.8%.
    expect((await compare('base.json', 'base.json', '--fail-on', 'error_rate > 1%')).code).toBe(0);
    const absolute = await compare('base.json', 'base.json', '--fail-on', 'error_rate > 0.5%');
    expect(absolute.code).toBe(1);
    expect(absolute.stdout).toMatch(/✗ error_rate > 0\.5% +observed 0\.80%/);

    // TTFT 30% slower, but the only rule is about tokens/s (down 14.5%).
    const slow = await compare('slow-ttft.json', 'slow-ttft.json', '--fail-on', 'tokens_per_second.mean < -5%');
    expect(slow.code).toBe(0);
    const tokens = await compare('base.json', 'slow-ttft.json', '--fail-on', 'tokens_per_second.mean < -5%');
    expect(tokens.code).toBe(1);
    expect(tokens.stdout).not.toMatch(/✗ ttft/);
    expect(tokens.stdout).toMatch(/✗ tokens_per_second\.mean < -5% +observed -14\.\d%/);

    // A rule on a metric outside the default table adds its row.
    const extra = await compare('base.json', 'slow-ttft.json', '--fail-on', 'ttft.p99.9 > +50%', '--fail-on', 'itl.p50 > +0.1ms');
    expect(row(extra.stdout, 'ttft.p99.9')).toHaveLength(6);
    expect(row(extra.stdout, 'itl.p50')).toHaveLength(6);
  });

  it('a relative rule needs a significant change: noise over the line does not fire', async () => {
    // noisy's error rate is 25% lower (3 vs 4 errors in 500): past the line, but not significant.
    const { code, stdout } = await compare('base.json', 'noisy.json', '--fail-on', 'error_rate < -10%');
    expect(code).toBe(0);
    expect(stdout).toMatch(/✓ error_rate < -10% +observed -25\.0% \(not significant\)/);
  });

  it('a new run without data for a metric fails its rule', async () => {
    const allFailed = variant('all-failed.json', (r) => {
      for (const row of r.metrics) {
        row.error = 'boom';
        row.error_kind = 'protocol';
      }
    });
    const { code, stdout } = await compare('base.json', allFailed);
    expect(code).toBe(1);
    expect(stdout).toMatch(/✗ ttft\.p50 > \+10% +observed — \(no data in the new run\)/);
    expect(row(stdout, 'error_rate')[5]).toBe('worse');
  });

  it('warns when the runs differ in setup, and --strict makes that exit 2', async () => {
    const other = variant('other-setup.json', (r) => {
      r.config.concurrency = 20;
      r.config.body.model = 'other-model';
      r.dataset = { file: 'prompts.csv', sha256: 'ab'.repeat(32), rows: 10, columns: ['prompt'] };
    });
    const loose = await compare('base.json', other);
    expect(loose.code).toBe(0);
    expect(loose.stderr).toContain('warning: model differs: base fixture-model, new other-model\n');
    expect(loose.stderr).toContain('warning: concurrency differs: base 10, new 20\n');
    expect(loose.stderr).toMatch(/warning: dataset differs: base none, new prompts\.csv \(sha256 abababababab, 10 rows\)/);
    const strict = await compare('base.json', other, '--strict');
    expect(strict.code).toBe(2);
    expect(strict.stdout).toContain('streambench comparison');
    expect(strict.stderr).toMatch(/error: the runs are not comparable .* --strict/);
    expect((await compare('base.json', 'noisy.json', '--strict')).code).toBe(0);
  });

  it('warns that an interrupted run counts its aborted requests as errors (not a setup difference)', async () => {
    const interrupted = variant('interrupted.json', (r) => (r.run.interrupted = true));
    const { code, stderr } = await compare('base.json', interrupted, '--strict');
    expect(code).toBe(0);
    expect(stderr).toBe(`warning: the new run (${interrupted}) was interrupted: its aborted requests count as errors\n`);
    expect((await compare('base.json', 'base.json')).stderr).toBe('');
  });

  it('markdown: a table and a result line for a CI job summary', async () => {
    const { code, stdout } = await compare('base.json', 'slow-ttft.json', '--format', 'markdown');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^### ❌ streambench comparison: REGRESSION: ttft\.p50 > \+10%/);
    expect(stdout).toContain('| Metric | Base | New | Change | Change % | Verdict |\n|---|--:|--:|--:|--:|---|');
    expect(stdout).toMatch(/\| `ttft\.p50` \| 0\.203s \| 0\.263s \| \+0\.060s \| \+29\.\d% \| 🔴 worse \|/);
    expect(stdout).toContain('- ❌ `ttft.p50 > +10%`');
    const zh = await compare('base.json', 'faster.json', '--format', 'markdown', '--lang', 'zh');
    expect(zh.stdout).toMatch(/^### ✅ streambench 对比报告: 无回退/);
    expect(zh.stdout).toContain('🟢 变好');
  });

  it('json: rows with values, verdicts and tests; rules with outcomes', async () => {
    const { code, stdout } = await compare('base.json', 'slow-ttft.json', '--format', 'json');
    expect(code).toBe(1);
    const json = JSON.parse(stdout);
    expect(json.regression).toBe(true);
    const p50 = json.rows.find((r: { metric: string }) => r.metric === 'ttft.p50');
    expect(p50).toMatchObject({ unit: 'seconds', better: 'lower', verdict: 'worse', significant: true, test: 'bootstrap' });
    expect(p50.change).toBeCloseTo(p50.new - p50.base, 12);
    expect(p50.interval[0]).toBeGreaterThan(0);
    expect(p50.interval[0]).toBeLessThanOrEqual(p50.change);
    expect(p50.interval[1]).toBeGreaterThanOrEqual(p50.change);
    expect(json.rules.filter((r: { fired: boolean }) => r.fired).map((r: { metric: string }) => r.metric)).toEqual([
      'ttft.p50',
      'ttft.p95',
      'total_time.p95',
    ]);
    expect(json.method).toEqual({ confidence: 0.99, seed: 1, resamples: 2000 });
  });

  it('an infinite relative change (0 -> some errors) is a worse error rate', async () => {
    const clean = variant('clean.json', (r) => {
      r.metrics = r.metrics.filter((row: { error: unknown }) => row.error === null);
    });
    const broken = variant('broken.json', (r) => {
      for (const row of r.metrics.slice(0, 100)) {
        row.error = 'boom';
        row.error_kind = 'http';
      }
    });
    const { code, stdout } = await compare(clean, broken);
    expect(code).toBe(1);
    expect(row(stdout, 'error_rate').slice(1)).toEqual(['0.00%', '20.60%', '+20.60pp', '+∞', 'worse']);
    const json = JSON.parse((await compare(clean, broken, '--format', 'json')).stdout);
    expect(json.rows.find((r: { metric: string }) => r.metric === 'error_rate').relative).toBeNull();
  });

  it('json: each scalar row names its test, and rules on error kinds and counts say why they did not fire', async () => {
    const broken = variant('broken-timeout.json', (r) => {
      for (const row of r.metrics.slice(10, 110)) {
        row.error = 'timed out';
        row.error_kind = 'timeout';
      }
    });
    const { stdout } = await compare('base.json', broken, '--format', 'json', ...['errors.timeout > +0%', 'failed_count > 1000', 'success_rate < 0.5', 'ttft.p50 > +10%'].flatMap((rule) => ['--fail-on', rule]));
    const json = JSON.parse(stdout);
    const rowOf = (metric: string) => json.rows.find((r: { metric: string }) => r.metric === metric);
    expect(rowOf('success_rate')).toMatchObject({ test: 'two-proportion', verdict: 'worse', significant: true });
    expect(rowOf('failed_count')).toMatchObject({ test: 'two-proportion', verdict: 'worse' });
    expect(rowOf('requests_per_second').test).toBe('poisson-rate');
    // base.json has no timeouts: 0 -> 100 is an infinite relative change, tested as a proportion, and it fires.
    expect(rowOf('errors.timeout')).toMatchObject({ base: 0, new: 100, change: 100, relative: null, test: 'two-proportion', verdict: 'worse', significant: true });
    const ruleOf = (metric: string) => json.rules.find((r: { metric: string }) => r.metric === metric);
    expect(ruleOf('errors.timeout')).toMatchObject({ mode: 'relative', fired: true });
    expect(ruleOf('failed_count')).toMatchObject({ mode: 'absolute', observed: 102, fired: false });
    expect(ruleOf('success_rate')).toMatchObject({ observed: 0.796, fired: false });
    expect(ruleOf('ttft.p50')).toMatchObject({ mode: 'relative', fired: false });
    expect(json.rules.map((r: { metric: string }) => r.metric)).toEqual(['errors.timeout', 'failed_count', 'success_rate', 'ttft.p50']);
  });

  it('writes to a file with -o', async () => {
    const out = join(tmp, 'comparison.md');
    const { code, stdout } = await compare('base.json', 'noisy.json', '-f', 'markdown', '-o', out);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toMatch(/^### ✅/);
  });
});

describe('compare over more than two runs', () => {
  it('compares every run with the first in one table, and exits 1 when any regresses', async () => {
    const { code, stdout } = await compare('base.json', 'noisy.json', 'slow-ttft.json');
    expect(code).toBe(1);
    expect(stdout).toContain('  Base: base.json (500 requests');
    expect(stdout).toContain('  #2: noisy.json (');
    expect(stdout).toContain('  #3: slow-ttft.json (');
    const header = stdout.split('\n').find((l) => l.trimStart().startsWith('Metric '))!;
    expect(header.trim().split(/\s{2,}/)).toEqual(['Metric', 'Base', '#2', 'Change %', 'Verdict', '#3', 'Change %', 'Verdict']);
    const p50 = row(stdout, 'ttft.p50');
    expect(p50[4]).toBe('no significant change');
    expect(p50[7]).toBe('worse');
    expect(stdout).toMatch(/Result: REGRESSION: #3 slow-ttft\.json: ttft\.p50 > \+10%/);
    expect(stdout).not.toMatch(/REGRESSION: #2/);
    // Without a regressing run, exit 0.
    expect((await compare('base.json', 'noisy.json', 'base.json')).code).toBe(0);
  });

  it('markdown and json carry every run; json keeps the two-file shape for the first', async () => {
    const markdown = await compare('base.json', 'noisy.json', 'slow-ttft.json', '-f', 'markdown');
    expect(markdown.stdout).toMatch(/^### ❌ streambench comparison: REGRESSION: #3 slow-ttft\.json/);
    expect(markdown.stdout).toContain('| Metric | Base | #2 | Change % | Verdict | #3 | Change % | Verdict |');
    const json = JSON.parse((await compare('base.json', 'noisy.json', 'slow-ttft.json', '-f', 'json')).stdout);
    expect(json.regression).toBe(true);
    expect(json.new.name).toBe('noisy.json');
    expect(json.comparisons.map((c: { new: { name: string }; regression: boolean }) => [c.new.name, c.regression])).toEqual([
      ['noisy.json', false],
      ['slow-ttft.json', true],
    ]);
  });

  it('tests output tokens/s by default (a compound Poisson rate test), so a rule on it is tested', async () => {
    const { stdout } = await compare('base.json', 'faster.json');
    expect(row(stdout, 'output_tokens_per_second')[5]).toBe('better');
    const json = JSON.parse((await compare('base.json', 'noisy.json', '-f', 'json')).stdout);
    expect(json.rows.find((r: { metric: string }) => r.metric === 'output_tokens_per_second')).toMatchObject({ test: 'compound-poisson-rate', verdict: 'same' });
    const rule = await compare('faster.json', 'base.json', '--fail-on', 'output_tokens_per_second < -10%');
    expect(rule.code).toBe(1);
    expect(rule.stdout).toMatch(/✗ output_tokens_per_second < -10% +observed -\d+\.\d%$/m);
  });
});

describe('compare --format html', () => {
  it('overlays the two runs and colours the changes by the verdicts computed here', async () => {
    const { code, stdout } = await compare('base.json', 'slow-ttft.json', '--format', 'html');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^<!doctype html>/i);
    // TTFT P50 is significantly worse; TTFT P99 changed but not significantly: uncoloured.
    expect(stdout).toMatch(/<tr data-metric="ttft\.p50">.*?<td class="worse">/);
    expect(stdout).toMatch(/<tr data-metric="ttft\.p99">(?:(?!<\/tr>).)*<td>\+24\.\d%/);
  });
});
