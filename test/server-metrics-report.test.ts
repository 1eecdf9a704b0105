// The Server section in every format, and server.* paths in compare and summarize.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCompare } from '../lib/commands/compare.ts';
import { runSummarize } from '../lib/commands/summarize.ts';
import { renderHtmlReport } from '../lib/report/html-report.ts';
import { renderReport } from '../lib/report/report.ts';
import { renderReportMarkdown } from '../lib/report/report-markdown.ts';
import type { Lang } from '../lib/report/i18n.ts';
import { summarize, type RunSummary } from '../lib/stats/summary.ts';
import type { Results } from '../lib/results/results.ts';
import type { ServerMetricsBlock } from '../lib/server-metrics/block.ts';
import { parseExposition } from '../lib/server-metrics/exposition.ts';
import { ScrapeSeries } from '../lib/server-metrics/scrape-series.ts';
import { buildServerMetricsBlock } from '../lib/server-metrics/summarize.ts';
import { captureIO } from './helpers/io.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'server-metrics', name), 'utf8');
const RESULTS = join(import.meta.dirname, '..', 'fixtures', 'results');
const tmp = mkdtempSync(join(tmpdir(), 'streambench-server-report-'));

/** A block from two scrapes of `before` and `after`, 5 s apart. */
function blockOf(before: string, after: string, url = 'http://127.0.0.1:8000/metrics'): ServerMetricsBlock {
  const series = new ScrapeSeries();
  series.add(990, parseExposition(before));
  series.add(5990, parseExposition(after));
  return buildServerMetricsBlock([{ url, series, failures: [], invalidLines: 0, coversRun: true }], 1000, 1);
}

const vllm = blockOf(fixture('vllm-before.prom'), fixture('vllm-after.prom'));
const client = { ttft: { p50: 0.11, p99: 0.5, mean: 0.145 }, outputTokens: 25600 };

/** A summary whose TTFT and output tokens are the client's numbers above. */
function clientSummary(view: { ttft?: { p50: number; p99: number; mean: number }; outputTokens?: number }): RunSummary {
  const summary = summarize([]);
  if (view.ttft) summary.ttft = { count: 100, min: 0, max: 1, median: view.ttft.p50, std: 0, p90: view.ttft.p99, p95: view.ttft.p99, ...view.ttft };
  summary.output_tokens = view.outputTokens ?? 0;
  return summary;
}
/** The Server section as the full text report prints it. */
function serverText(block: ServerMetricsBlock, view: typeof client | Record<string, never>, lang: Lang): string {
  const text = renderReport({ summary: clientSummary(view), server: block }, { lang, detail: 'full' });
  return text.slice(text.indexOf(lang === 'zh' ? '【服务端' : '【Server'));
}

describe('the text section', () => {
  const text = serverText(vllm, client, 'en');

  it('has a row per metric known by name', () => {
    expect(text).toContain('【Server: vLLM · http://127.0.0.1:8000/metrics】');
    expect(text).toMatch(/Running requests\s+max 3, avg 0, last 3\s+vllm:num_requests_running/);
    expect(text).toMatch(/Waiting requests\s+max 1/);
    expect(text).toMatch(/KV-cache usage\s+max 25\.0%/);
    expect(text).toMatch(/Generation tokens\s+25600 \(5120\.0\/s\); client counted 25600/);
    expect(text).toMatch(/Requests finished\s+100 \(20\.0\/s\)/);
  });

  it('sets the server TTFT beside the client one and names the difference as time outside the engine', () => {
    expect(text).toMatch(/TTFT, server\s+P50 0\.100s {2}P99 0\.475s {2}mean 0\.140s {2}\(n=100\)/);
    expect(text).toMatch(/TTFT, client\s+P50 0\.110s {2}P99 0\.500s {2}mean 0\.145s/);
    expect(text).toMatch(/Outside the engine \(client - server\)\s+P50 ≈\+10\.00ms {2}P99 ≈\+25\.00ms {2}mean \+5\.00ms/);
    // The one-screen report keeps the queue and the time outside the engine.
    const brief = renderReport({ summary: clientSummary(client), server: vllm }, { lang: 'en' });
    expect(brief).toContain('Server vLLM · http://127.0.0.1:8000/metrics: 2 scrapes, 0 failed · Running requests max 3 · Waiting requests max 1 · KV-cache usage max 25.0%');
    expect(brief).toMatch(/^ {2}Outside the engine \(client - server\): P50 ≈\+10\.00ms/m);
    expect(text).toContain('P50 within 0.080s-0.100s, P99 within 0.250s-0.500s');
  });

  it('lists other metrics that moved, raw', () => {
    expect(text).toContain('Other metrics that moved:');
    expect(text).toMatch(/process_cpu_seconds_total\s+\+36\.59/);
    expect(text).not.toMatch(/python_info/);
  });

  it('knows SGLang, TGI and llama.cpp by their names too', () => {
    const once = (file: string) => serverText(blockOf(fixture(file), fixture(file)), {}, 'en');
    expect(once('sglang.prom')).toMatch(/【Server: SGLang[^]*Running requests\s+max 162[^]*Waiting requests\s+max 2826[^]*KV-cache usage\s+max 28\.0%/);
    expect(once('tgi.prom')).toMatch(/【Server: TGI[^]*Running requests\s+max 8[^]*Waiting requests\s+max 2/);
    expect(once('llamacpp.prom')).toMatch(/【Server: llama\.cpp[^]*Running requests\s+max 4[^]*Waiting requests\s+max 1/);
  });

  it('says when the scrapes did not cover the run, and which failed', () => {
    const partial: ServerMetricsBlock = structuredClone(vllm);
    partial.endpoints[0]!.scrapes.covers_run = false;
    partial.endpoints[0]!.scrapes.failed = 2;
    partial.endpoints[0]!.failures = [{ t: 3.2, error: 'no answer within 3 s' }];
    const text = serverText(partial, client, 'en');
    expect(text).toContain('! the scrape right before the first request or right after the last failed');
    expect(text).toContain('! failed scrapes: 2 (first at 3.2s: no answer within 3 s)');
  });

  it('speaks Chinese with --lang zh', () => {
    expect(serverText(vllm, client, 'zh')).toMatch(/【服务端: vLLM[^]*运行中请求/);
  });
});

describe('markdown and HTML', () => {
  it('renders a markdown table naming each metric', () => {
    const md = renderReportMarkdown({ summary: clientSummary(client), server: vllm }, { lang: 'en' });
    expect(md).toContain('#### Server: vLLM · http://127.0.0.1:8000/metrics\n\n_2 scrapes, 0 failed_');
    expect(md).toContain('| Running requests | max 3, avg 0, last 3 | vllm:num\\_requests\\_running |');
    expect(md).toContain('| Outside the engine (client - server) |');
  });

  it('renders the section and the server charts on the load charts’ time axis', () => {
    const results = JSON.parse(readFileSync(join(RESULTS, 'base.json'), 'utf8')) as Results;
    results.server_metrics = vllm as unknown as Results['server_metrics'];
    const html = renderHtmlReport(results, { lang: 'en' });
    expect(html).toContain('<section class="report-section" data-section="server"><h2>Server: vLLM · http://127.0.0.1:8000/metrics</h2>');
    expect(html).toContain('<td class="text">vllm:num_requests_running</td>');
    for (const id of ['server-queue-0', 'server-kv-0', 'server-tokens-0', 'in-flight']) expect(html).toContain(`data-chart="${id}"`);
    // The x-axis tick labels and their positions: the same on the client's and the server's charts.
    const xTicks = (id: string) => html.split(`data-chart="${id}"`)[1]!.split('</figure>')[0]!.match(/<text x="[\d.]+" y="\d+" text-anchor="middle">[^<]*<\/text>/g);
    expect(xTicks('in-flight')!.length).toBeGreaterThan(2);
    expect(xTicks('server-queue-0')).toEqual(xTicks('in-flight'));
  });
});

describe('server paths in compare and summarize', () => {
  const withServer = (name: string, waiting: number) => {
    const results = JSON.parse(readFileSync(join(RESULTS, 'base.json'), 'utf8'));
    results.server_metrics = blockOf(fixture('vllm-before.prom'), fixture('vllm-after.prom').replace(/(vllm:num_requests_waiting\{[^}]*\}) 1\.0/, `$1 ${waiting}.0`));
    const path = join(tmp, name);
    writeFileSync(path, JSON.stringify(results));
    return path;
  };

  it('fails compare on a server metric rule (the largest queue depth)', async () => {
    const captured = captureIO(tmp);
    const code = await runCompare([withServer('a.json', 2), withServer('b.json', 9), '--fail-on', 'server.vllm:num_requests_waiting.max > +50%'], captured.io);
    expect(code).toBe(1);
    expect(captured.stdout()).toMatch(/server\.vllm:num_requests_waiting\.max\s+2\s+9/);
  });

  it('prints the Server section from a results file with summarize (text and markdown)', async () => {
    const file = withServer('c.json', 1);
    for (const [format, expected] of [
      ['text', 'Server vLLM · '],
      ['markdown', '#### Server: vLLM'],
    ]) {
      const captured = captureIO(tmp);
      expect(await runSummarize([file, '--format', format!], captured.io)).toBe(0);
      expect(captured.stdout()).toContain(expected);
    }
  });
});

describe('docs/server-metrics.md', () => {
  it('lists every metric the report knows by name, per server', async () => {
    const { KNOWN_METRICS, SERVER_KINDS, SERVER_TITLES } = await import('../lib/server-metrics/catalog.ts');
    const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'server-metrics.md'), 'utf8');
    for (const server of SERVER_KINDS) {
      const section = doc.split(`### ${SERVER_TITLES[server]}`)[1]!.split('\n### ')[0]!;
      const missing = KNOWN_METRICS[server].flatMap((known) => known.names).filter((name) => !section.includes(`\`${name}\``));
      expect(missing).toEqual([]);
    }
  });
});
