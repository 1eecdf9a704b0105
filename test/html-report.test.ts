import { describe, expect, it } from 'vitest';
import { renderCompareHtml, renderHtmlReport } from '../lib/report/html-report.ts';
import { labels } from '../lib/report/i18n.ts';
import { compareMany } from '../lib/compare/compare.ts';
import { mergeResults } from '../lib/results/merge.ts';
import { HOSTILE_BODY, syntheticResults, withSweepAndSelfcheck } from './helpers/results-fixture.ts';

const chartIds = (html: string) => [...html.matchAll(/<figure class="chart[^"]*" data-chart="([^"]+)">/g)].map((m) => m[1]);
const chartsWithSvg = (html: string) => [...html.matchAll(/data-chart="([^"]+)"><figcaption>[^<]*<\/figcaption><svg/g)].map((m) => m[1]);

describe('renderHtmlReport', () => {
  const full = withSweepAndSelfcheck(syntheticResults({ requests: 40, failEvery: 9, groups: ['a', 'b'], warmup: 2 }));

  it('is one self-contained page: no script, no external resource', () => {
    const html = renderHtmlReport(full, { lang: 'en' });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//i);
    expect(html).toContain("Content-Security-Policy\" content=\"default-src 'none'");
  });

  it('draws every chart, with groups and sweep when the results have them', () => {
    const html = renderHtmlReport(full, { lang: 'en' });
    const expected = ['sweep', 'pareto', 'ttft-histogram', 'ttft-cdf', 'latency-by-start', 'throughput', 'token-throughput', 'in-flight', 'rate-histogram', 'groups'];
    expect(chartIds(html)).toEqual(expected);
    expect(chartsWithSvg(html)).toEqual(expected);
    expect(html).toContain('id="groups"');
    expect(html).toContain('id="sweep"');
    expect(html).toContain('id="selfcheck"');
  });

  it('leaves out groups, sweep and self-check when absent, and derives load over time from rows', () => {
    const results = syntheticResults({ requests: 30 });
    delete results.timeseries; // as in a results file written before runs recorded one
    const html = renderHtmlReport(results, { lang: 'en' });
    expect(chartIds(html)).not.toContain('groups');
    expect(chartIds(html)).not.toContain('sweep');
    expect(html).not.toContain('id="selfcheck"');
    expect(html).toContain(labels('en').derivedNote.replace(/"/g, '&quot;'));
  });

  it('says a run was too short for a chart over time instead of drawing a two-point line', () => {
    const results = syntheticResults({ requests: 4 });
    const html = renderHtmlReport(results, { lang: 'en' });
    expect(chartsWithSvg(html)).not.toContain('throughput');
    expect(chartsWithSvg(html)).not.toContain('in-flight');
    expect(html).toMatch(/data-chart="throughput"><figcaption>[^<]*<\/figcaption><p class="empty">The run lasted \d\.\d s: too short for a chart over time/);
  });

  it('prefers the recorded timeseries', () => {
    const results = syntheticResults({ requests: 10 });
    results.timeseries = { bucket_seconds: 1, buckets: [0, 1, 2].map((t) => ({ t, started: 3, completed: 3, failed: 0, output_tokens: 90, in_flight: 4 })) };
    const html = renderHtmlReport(results, { lang: 'en' });
    expect(html).not.toContain('Derived from the per-request timestamps');
  });

  it('shows the request count and failures in the summary table', () => {
    const html = renderHtmlReport(full, { lang: 'en' });
    expect(html).toContain(`<td data-field="total_requests">${full.summary.total_requests}</td>`);
    expect(full.summary.total_requests).toBe(38); // 40 rows less 2 warm-up
    expect(html).toMatch(/<td data-field="failed_count">4 \(/);
  });

  it('escapes text from the results: an error body holding HTML stays text', () => {
    const html = renderHtmlReport(full, { lang: 'en' });
    expect(html).not.toContain(HOSTILE_BODY);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;');
  });

  it('shows the config redacted', () => {
    const html = renderHtmlReport(full, { lang: 'en' });
    expect(html).not.toContain('sk-live-abcdef123456');
    expect(html).not.toContain('sk-secret-123');
    expect(html).toContain('&quot;Authorization&quot;: &quot;[REDACTED]&quot;');
  });

  it('translates every label with --lang zh', () => {
    const html = renderHtmlReport(full, { lang: 'zh' });
    expect(html).toContain('<html lang="zh-CN">');
    const en = labels('en');
    const zh = labels('zh');
    const visibleText = html.replace(/<pre[\s\S]*?<\/pre>/g, '').replace(/<[^>]+>/g, '\n');
    const leftovers = (Object.keys(en) as Array<keyof typeof en>)
      .filter((key) => en[key] !== zh[key] && en[key].length > 3)
      .filter((key) => visibleText.split('\n').some((line) => line.trim() === en[key]));
    expect(leftovers).toEqual([]);
    expect(html).toContain(zh.chartTtftHistogram);
    expect(html).toContain(`<h2>${zh.errors}</h2>`);
  });

  it('renders a run with no successful request without charts that need data', () => {
    const results = syntheticResults({ requests: 3, failEvery: 1 });
    const html = renderHtmlReport(results, { lang: 'en' });
    expect(chartsWithSvg(html)).not.toContain('ttft-histogram');
    expect(html).toContain('data-chart="ttft-histogram"><figcaption>');
    expect(html).toContain(`<td data-field="total_requests">3</td>`);
  });
});

describe('renderCompareHtml', () => {
  const named = (name: string, results: ReturnType<typeof syntheticResults>) => ({ name, results });
  const comparisonOf = (runs: Array<{ name: string; results: ReturnType<typeof syntheticResults> }>) =>
    compareMany(
      runs.map(({ name, results }) => {
        const merged = mergeResults([{ name, results }]);
        return { name, results: merged.results, summary: merged.summary, samples: merged.samples };
      }),
      { confidence: 0.99, seed: 1 },
    );

  it('overlays every run on the same axes and tabulates each change against the base', () => {
    const runs = [
      named('old<1>.json', syntheticResults({ requests: 30, ttftMs: 300, seed: 2 })),
      named('new.json', syntheticResults({ requests: 30, ttftMs: 150, seed: 3 })),
      named('third.json', syntheticResults({ requests: 30, ttftMs: 600, seed: 4 })),
    ];
    const html = renderCompareHtml(runs, comparisonOf(runs), { lang: 'en' });
    expect(html).toContain('old&lt;1&gt;.json');
    expect(html).not.toContain('old<1>');
    // Each overlaid chart holds one series per run.
    const cdf = /data-chart="ttft-cdf">[\s\S]*?<\/figure>/.exec(html)![0];
    expect(cdf.match(/class="series"/g)).toHaveLength(3);
    // One table: the base, then each run's value and its change with the verdict.
    const ttftP50 = /<tr data-metric="ttft.p50"><th scope="row"><code>ttft.p50<\/code><\/th><td>([\d.]+)s<\/td><td>([\d.]+)s<\/td><td class="better">([+-][\d.]+)% \(better\)<\/td><td>([\d.]+)s<\/td><td class="worse">\+([\d.]+)% \(worse\)<\/td>/.exec(html);
    expect(ttftP50).not.toBeNull();
    const [, a, b, change] = ttftP50!;
    expect(Number(b)).toBeLessThan(Number(a));
    expect(Number(change)).toBeCloseTo(((Number(b) - Number(a)) / Number(a)) * 100, 0);
    expect(html).toContain('data-metric="output_tokens_per_second"');
  });

  it('carries the verdict line, the rules and the warnings its markdown has', () => {
    const base = syntheticResults({ requests: 20, ttftMs: 150, seed: 2 });
    const slower = syntheticResults({ requests: 20, ttftMs: 400, seed: 3, failEvery: 5 });
    slower.config.url = 'http://127.0.0.1:9/elsewhere';
    const runs = [named('base.json', base), named('slower.json', slower)];
    const comparison = comparisonOf(runs);
    expect(comparison.regression).toBe(true);
    const html = renderCompareHtml(runs, comparison, { lang: 'en' });
    expect(html).toMatch(/<p class="verdict worse" id="verdict">✗ Result: REGRESSION: ttft\.p50 &gt; \+10%/);
    expect(html).toMatch(/<tr data-rule="ttft.p50 &gt; \+10%"><th scope="row"><code>ttft.p50 &gt; \+10%<\/code><\/th><td class="text worse">✗ observed \+/);
    expect(html).toContain('<section id="warnings">');
    expect(html).toContain('url differs');
    expect(html).toContain('id="method"');
    // A rate's change is a difference in percentage points (from 0% a relative change means nothing).
    expect(html).toMatch(/data-metric="error_rate">.*?<td>0\.00%<\/td><td>20\.00%<\/td><td>\+20\.0 pp \(no significant change\)<\/td>/);
  });
});
