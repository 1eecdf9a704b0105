// Every section in every format: a results file with every section present, rendered through each
// renderer. A renderer that skips a section, or a block kind, fails here; so does a new section that
// the fixture below does not fill (add its data to `everySection`).
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../lib/report/html-report.ts';
import { labels } from '../lib/report/i18n.ts';
import { formatCell, type SectionView } from '../lib/report/report-blocks.ts';
import { renderSummaryCsv } from '../lib/report/report-csv.ts';
import { reportDataFromResults } from '../lib/report/report-data.ts';
import { renderReportMarkdown } from '../lib/report/report-markdown.ts';
import { renderReport } from '../lib/report/report.ts';
import { buildSections, REPORT_SECTIONS } from '../lib/report/sections.ts';
import type { Results } from '../lib/results/results.ts';
import { escapeHtml } from '../lib/util/html-escape.ts';
import { syntheticResults, withSweepAndSelfcheck } from './helpers/results-fixture.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseExposition } from '../lib/server-metrics/exposition.ts';
import { ScrapeSeries } from '../lib/server-metrics/scrape-series.ts';
import { buildServerMetricsBlock } from '../lib/server-metrics/summarize.ts';

/** A server_metrics block from two scrapes of the vLLM fixtures, 5 s apart. */
function serverMetrics() {
  const page = (name: string) => parseExposition(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'server-metrics', name), 'utf8'));
  const series = new ScrapeSeries();
  series.add(990, page('vllm-before.prom'));
  series.add(5990, page('vllm-after.prom'));
  return buildServerMetricsBlock([{ url: 'http://127.0.0.1:8000/metrics', series, failures: [], invalidLines: 0, coversRun: true }], 1000, 1);
}

/** One results file that has something for every section. */
function everySection(): Results {
  const results = withSweepAndSelfcheck(syntheticResults({ requests: 48, failEvery: 7, groups: ['chat', 'code'], warmup: 2 }));
  results.config.group_by = 'topic';
  results.config.slo = { ttft: 0.3 };
  // Sent 20 ms after they were due: the open-loop section.
  for (const row of results.metrics) {
    row.intended_start = row.timestamps.started - 20;
    // A workload: prompt lengths and output lengths asked for.
    row.prompt_tokens = 100 + (row.request_id % 3) * 50;
    row.requested_output_tokens = 30;
    // Conversations of three turns.
    row.session = Math.ceil(row.request_id / 3);
    row.turn = ((row.request_id - 1) % 3) + 1;
  }
  results.thresholds = [
    { rule: 'ttft.p99 < 1', observed: 0.61, pass: true },
    { rule: 'error_rate < 1%', observed: 0.14, pass: false },
  ];
  results.server_metrics = serverMetrics() as unknown as Results['server_metrics'];
  results.merged_from = [
    { file: 'a.json', started_at: results.run.started_at, offset_ms: 0, requests: 24, failed: 3, ttft_p50: 0.2 },
    { file: 'b.json', started_at: results.run.started_at, offset_ms: 12, requests: 24, failed: 3, ttft_p50: 0.21 },
  ];
  return results;
}

const results = everySection();
const data = reportDataFromResults(results);
const L = labels('en');
const sections = buildSections(data, L);

/** What a reader must find of a section: its title, and each pair's label and each table row's first cell. */
function landmarks(section: SectionView): string[] {
  const out = [section.title];
  for (const block of section.blocks) {
    if (block.kind === 'pairs') out.push(...block.rows.map((row) => row.label));
    if (block.kind === 'table') out.push(...block.rows.map((row) => formatCell(row.cells[0], false)).filter((text) => text !== ''));
    if (block.kind === 'note') out.push(block.text);
  }
  return out;
}

describe('the report sections', () => {
  it('the fixture fills every section (a new section needs its data here)', () => {
    expect(sections.map((s) => s.id)).toEqual(REPORT_SECTIONS.map((s) => s.id));
  });

  it.each([
    ['text (full)', () => renderReport(data, { lang: 'en', detail: 'full' }), (t: string) => t],
    ['markdown', () => renderReportMarkdown(data, { lang: 'en' }), (t: string) => t.replace(/([\\*_<>[\]`|])/g, '\\$1')],
    ['html', () => renderHtmlReport(results, { lang: 'en' }), escapeHtml],
  ])('%s shows every section, every row', (_name, render, escape) => {
    const output = render();
    for (const section of sections) {
      for (const text of landmarks(section)) expect(output, `${section.id}: ${text}`).toContain(escape(text));
    }
  });

  it('html draws each section in its own element, with its charts and the per-level tiles', () => {
    const html = renderHtmlReport(results, { lang: 'en' });
    for (const section of sections) expect(html).toContain(`data-section="${section.id}"`);
    expect(html).toContain('data-chart="pareto"');
    expect(html.match(/<details class="level"/g)).toHaveLength(results.sweep!.levels.length);
  });

  it('summary CSV has every number of every pair and table', () => {
    const rows: Array<Record<string, string>> = parse(renderSummaryCsv(data, { lang: 'en' }), { columns: true });
    for (const section of sections) {
      for (const block of section.blocks) {
        if (block.kind === 'pairs') {
          for (const row of block.rows) {
            if (typeof row.value === 'object') expect(rows.some((r) => r.section === section.id && r.row === row.key), `${section.id}.${row.key}`).toBe(true);
          }
        }
        if (block.kind === 'table') {
          for (const row of block.rows) expect(rows.some((r) => r.section === section.id && r.table === block.id && r.row === row.key), `${section.id}.${row.key}`).toBe(true);
        }
      }
    }
    // Durations in ms, as numbers.
    const ttftP50 = rows.find((r) => r.section === 'latency' && r.row === 'ttft' && r.column === 'P50')!;
    expect(ttftP50.unit).toBe('ms');
    expect(Number(ttftP50.value)).toBeCloseTo(data.summary.ttft!.p50 * 1000, 3);
  });

  it('the one-screen text report gives each section a line, or names it in its last line', () => {
    const brief = renderReport(data, { lang: 'en' });
    const last = brief.trimEnd().split('\n').at(-1)!;
    for (const section of REPORT_SECTIONS) {
      const lines = section.brief?.(data, L) ?? [];
      if (lines.length > 0) for (const line of lines) expect(brief).toContain(line);
      else expect(last, section.id).toContain(section.build(data, L)!.title.split(':')[0]!.replace(/ \(.*\)$/, ''));
    }
  });

  it('goodput and the open-loop send lag appear in HTML and markdown, not only in the text', () => {
    const markdown = renderReportMarkdown(data, { lang: 'en' });
    const html = renderHtmlReport(results, { lang: 'en' });
    for (const output of [markdown, html]) {
      expect(output).toContain(L.goodput);
      expect(output).toContain(L.schedule);
    }
  });
});
