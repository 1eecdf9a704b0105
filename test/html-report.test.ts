import { describe, expect, it } from 'vitest';
import { renderCompareHtml, renderHtmlReport } from '../lib/report/html-report.ts';
import { labels } from '../lib/report/i18n.ts';
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
    const expected = ['ttft-histogram', 'ttft-cdf', 'latency-by-start', 'throughput', 'token-throughput', 'in-flight', 'rate-histogram', 'groups', 'sweep'];
    expect(chartIds(html)).toEqual(expected);
    expect(chartsWithSvg(html)).toEqual(expected);
    expect(html).toContain('id="groups"');
    expect(html).toContain('id="sweep"');
    expect(html).toContain('id="selfcheck"');
  });

  it('leaves out groups, sweep and self-check when absent, and derives load over time from rows', () => {
    const results = syntheticResults({ requests: 10 });
    delete results.timeseries; // as in a results file written before runs recorded one
    const html = renderHtmlReport(results, { lang: 'en' });
    expect(chartIds(html)).not.toContain('groups');
    expect(chartIds(html)).not.toContain('sweep');
    expect(html).not.toContain('id="selfcheck"');
    expect(html).toContain(labels('en').derivedNote.replace(/"/g, '&quot;'));
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
    expect(html).toContain(zh.errorsByKind);
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
  it('overlays both runs on the same axes and tabulates the change', () => {
    const base = syntheticResults({ requests: 30, ttftMs: 300, seed: 2 });
    const next = syntheticResults({ requests: 30, ttftMs: 150, seed: 3 });
    const html = renderCompareHtml(base, next, { lang: 'en', baseName: 'old<1>.json', nextName: 'new.json' });
    expect(html).toContain('old&lt;1&gt;.json');
    expect(html).not.toContain('old<1>');
    // Each overlaid chart holds one series per run.
    const cdf = /data-chart="ttft-cdf">[\s\S]*?<\/figure>/.exec(html)![0];
    expect(cdf.match(/class="series"/g)).toHaveLength(2);
    const ttftP50 = /<tr data-metric="ttft.p50"><th scope="row">TTFT P50<\/th><td>([\d.]+)s<\/td><td>([\d.]+)s<\/td><td>([+-][\d.]+)%<\/td>/.exec(html);
    expect(ttftP50).not.toBeNull();
    const [, a, b, change] = ttftP50!;
    expect(Number(b)).toBeLessThan(Number(a));
    expect(Number(change)).toBeCloseTo(((Number(b) - Number(a)) / Number(a)) * 100, 0);
    // Without significance verdicts, no change is called better or worse.
    expect(html).not.toMatch(/class="(better|worse)"/);
    expect(html).toContain(labels('en').notTested);
  });

  it('colours the change by the verdicts the compare command passes', () => {
    const base = syntheticResults({ requests: 20, ttftMs: 300, seed: 2 });
    const next = syntheticResults({ requests: 20, ttftMs: 150, seed: 3, failEvery: 5 });
    const html = renderCompareHtml(base, next, { lang: 'en', verdicts: { 'ttft.p50': 'better', 'total_time.p99': 'worse', 'ttft.p99': 'same' } });
    expect(html).toMatch(/data-metric="ttft.p50">.*?<td class="better">-[\d.]+% \(better\)<\/td>/);
    expect(html).toMatch(/data-metric="total_time.p99">.*?<td class="worse">[+-][\d.]+% \(worse\)<\/td>/);
    expect(html).toMatch(/data-metric="ttft.p99">.*?<td>[+-][\d.]+% \(no significant change\)<\/td>/);
    expect(html).not.toContain(labels('en').notTested);
    // A rate's change is a difference in percentage points (from 0% a relative change means nothing).
    expect(html).toContain('<td>0.0%</td><td>20.0%</td><td>+20.0 pp</td>');
  });
});
