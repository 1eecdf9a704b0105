import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { runSummarize } from '../lib/commands/summarize.ts';
import { renderReport } from '../lib/report/report.ts';
import { CSV_COLUMNS } from '../lib/report/report-csv.ts';
import { reportDataFromResults } from '../lib/report/report-data.ts';
import { loadResults } from '../lib/results/results-load.ts';
import { captureIO } from './helpers/io.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/results');
const tmp = mkdtempSync(join(tmpdir(), 'streambench-summarize-'));

async function run(...args: string[]) {
  const captured = captureIO(FIXTURES);
  const code = await runSummarize(args, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}


const withoutShardTable = (text: string) => text.replace(/【Per shard \(merged files\)】\n[\s\S]*?\n\n/, '').replace(/^streambench · .*\n/m, '');
describe('summarize', () => {
  it('prints the same report as run, from the saved records: one screen by default, all with --report full', async () => {
    const { code, stdout, stderr } = await run('base.json');
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const { results } = await loadResults(join(FIXTURES, 'base.json'));
    expect(stdout).toBe(renderReport(reportDataFromResults(results), { lang: 'en' }));
    expect(stdout).toMatch(/^Requests: 496 ok · 4 failed \(0\.8%\)/m);
    expect(stdout.split('\n').length).toBeLessThan(30);
    const full = await run('base.json', '--report', 'full');
    expect(full.stdout).toBe(renderReport(reportDataFromResults(results), { lang: 'en', detail: 'full' }));
    expect(full.stdout).toMatch(/Total requests: +500/);
    expect(full.stdout).toContain('TTFT histogram (n = 496)');
    expect((await run('base.json', '--full-report')).stdout).toBe(full.stdout);
    expect((await run('base.json', '--lang', 'zh', '--report', 'full')).stdout).toMatch(/【延迟与Token速率】/);
  });

  it("keeps what run printed from the file: the group table and the self-check", async () => {
    const base = JSON.parse(readFileSync(join(FIXTURES, 'base.json'), 'utf8'));
    base.config.group_by = 'topic';
    base.metrics.forEach((row: { group?: string }, i: number) => (row.group = i % 2 === 0 ? 'even' : 'odd'));
    base.selfcheck = { event_loop_delay_p99_ms: 12, cpu_percent: 50, client_bound: true };
    const file = join(tmp, 'grouped.json');
    writeFileSync(file, JSON.stringify(base));
    const { code, stdout } = await run(file, '--report', 'full');
    expect(code).toBe(0);
    expect(stdout).toMatch(/【Per group: topic】\n.*\n  even +250 /);
    expect(stdout).toContain('! client-bound: measurements inflated');
    expect(stdout).toMatch(/Event-loop delay P99: +12\.00 ms/);
  });

  it('merges two shards into the single run\'s report, plus a per-shard table', async () => {
    const single = await run('base.json', '--report', 'full');
    const merged = await run('shard-0.json', 'shard-1.json', '--report', 'full');
    expect(merged.code).toBe(0);
    expect(withoutShardTable(merged.stdout)).toBe(withoutShardTable(single.stdout));
    expect(merged.stdout).toContain(
      [
        '【Per shard (merged files)】',
        '  File          Shard  Requests  Failed  TTFT P50 (ms)  Start (ms)  After --start-at (ms)',
        '  shard-0.json    0/2       250       3          204.0       +2000                      –',
        '  shard-1.json    1/2       250       1          202.0          +0                      –',
      ].join('\n'),
    );
    const markdown = await run('shard-0.json', 'shard-1.json', '--format', 'markdown');
    expect(markdown.stdout).toContain('| shard-1.json | 1/2 | 250 | 1 | 202.0 | +0 | – |');
  });

  it('json is a results file that summarize and compare read again', async () => {
    const { code, stdout } = await run('shard-0.json', 'shard-1.json', '--format', 'json');
    expect(code).toBe(0);
    const path = join(tmp, 'merged.json');
    writeFileSync(path, stdout);
    const { results } = await loadResults(path);
    expect(results.metrics).toHaveLength(500);
    expect(results.merged_from).toHaveLength(2);
    expect(results.summary.total_requests).toBe(500);
    expect(withoutShardTable((await run(path, '--report', 'full')).stdout)).toBe(withoutShardTable((await run('base.json', '--report', 'full')).stdout));
  });

  it('csv has one row per request with its file, metrics and error', async () => {
    const { code, stdout } = await run('shard-0.json', 'shard-1.json', '--format', 'csv');
    expect(code).toBe(0);
    const rows: Array<Record<string, string>> = parse(stdout, { columns: true });
    expect(rows).toHaveLength(500);
    expect(Object.keys(rows[0]!)).toEqual([...CSV_COLUMNS]);
    expect(CSV_COLUMNS).toEqual(expect.arrayContaining(['request_id', 'file', 'ttft', 'total_time', 'tpot', 'error_kind', 'error']));
    expect(new Set(rows.map((r) => r.file))).toEqual(new Set(['shard-0.json', 'shard-1.json']));
    const failed = rows.filter((r) => r.error_kind !== '');
    expect(failed).toHaveLength(4);
    // The error message holds commas and quotes: it survives CSV quoting.
    expect(failed[0]).toMatchObject({ status: '503', error_kind: 'http', ttft: '', error: '[POST] "http://127.0.0.1:8000/v1/chat/completions": 503 Service Unavailable' });
    const ok = rows.find((r) => r.error_kind === '')!;
    expect(Number(ok.ttft)).toBeGreaterThan(0);
    expect(Number(ok.total_time)).toBeGreaterThan(Number(ok.ttft));
    expect(ok.output_tokens).toBe('8');
  });

  it('markdown: tables fit for a job summary, in either language', async () => {
    const { code, stdout } = await run('base.json', '--format', 'markdown');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^### streambench: Test report\n\n`base\.json`\n/);
    expect(stdout).toContain('| Total requests | 500 |');
    expect(stdout).toMatch(/\| TTFT \(ms\) \| 496 \| 213\.6 \| [\d.]+ \| [\d.]+ \| 202\.6 \| 299\.9 \| 338\.4 \| 397\.3 \| [\d.]+ \|/);
    expect(stdout).toMatch(/\| http \| 4 \| 503 \| \\\[POST\\\] "http:\/\/127\.0\.0\.1:8000\/v1\/chat\/completions": 503 Service Unavailable \|/);
    expect((await run('base.json', '-f', 'markdown', '--lang', 'zh')).stdout).toContain('| 总请求数 | 500 |');
  });

  it('html: the self-contained report of the merged run', async () => {
    const { code, stdout } = await run('shard-0.json', 'shard-1.json', '--format', 'html');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^<!doctype html>/i);
    expect(stdout).not.toMatch(/<script/i);
    expect(stdout).toContain('<code>500</code>');
  });

  it("reads the original tool's JSON and a journal, with notes on stderr", async () => {
    const seed = await run('seed-format.json', '--report', 'full');
    expect(seed.code).toBe(0);
    expect(seed.stdout).toMatch(/Total requests: +20/);
    expect(seed.stderr).toMatch(/^note: seed-format\.json: converted from the original tool's JSON/);
    const journal = await run('journal.jsonl', '--report', 'full');
    expect(journal.code).toBe(0);
    expect(journal.stdout).toMatch(/Total requests: +49/);
    expect(journal.stderr).toContain('note: journal.jsonl: line 51: dropped an incomplete last line');
  });

  it('warns when merged files differ, and --strict makes that exit 2', async () => {
    // Whole runs (not shards) side by side: differences are warnings. Shards that differ are refused (test/shard-merge.test.ts).
    const other = JSON.parse(readFileSync(join(FIXTURES, 'base.json'), 'utf8'));
    other.config.url = 'http://127.0.0.1:9/elsewhere';
    const path = join(tmp, 'elsewhere.json');
    writeFileSync(path, JSON.stringify(other));
    const loose = await run('base.json', path);
    expect(loose.code).toBe(0);
    expect(loose.stderr).toMatch(/^warning: url differs: base\.json http:\/\/127\.0\.0\.1:8000\/v1\/chat\/completions, .*elsewhere\.json http:\/\/127\.0\.0\.1:9\/elsewhere$/m);
    expect((await run('base.json', path, '--strict')).code).toBe(2);
    expect((await run('shard-0.json', 'shard-1.json', '--strict')).code).toBe(0);
  });

  it('exits 2 with one line for a missing file, a non-results file, no file or a bad format', async () => {
    for (const [args, message] of [
      [['missing.json'], 'error: cannot read results file missing.json: no such file\n'],
      [['not-results.json'], /^error: not-results\.json is not a streambench results file/],
      [['old-schema.json'], /^error: old-schema\.json has results schema_version 0/],
      [[], 'error: summarize needs at least one results file\n'],
      [['base.json', '--format', 'pdf'], 'error: option --format must be one of text, markdown, json, csv, summary-csv, html, got "pdf"\n'],
      [['base.json', '--report', 'long'], 'error: option --report must be one of brief, full, got "long"\n'],
      [['base.json', '--lang', 'fr'], 'error: option --lang must be one of en, zh, got "fr"\n'],
    ] as const) {
      const { code, stdout, stderr } = await run(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      if (typeof message === 'string') expect(stderr).toBe(message);
      else expect(stderr).toMatch(message);
    }
  });
});
