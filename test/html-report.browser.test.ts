/**
 * End to end in a real browser: the HTML reports rendered by headless Chromium
 * (Debian's package, driven by playwright-core). Screenshots land in
 * test-artifacts/. Skipped, loudly, only when no Chromium is installed.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCompareHtml, renderHtmlReport } from '../lib/report/html-report.ts';
import { syntheticResults, withSweepAndSelfcheck } from './helpers/results-fixture.ts';
import { compareMany } from '../lib/compare/compare.ts';
import { mergeResults } from '../lib/results/merge.ts';

// CHROMIUM_PATH, when set, is the only candidate.
const CANDIDATES = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const CHROMIUM = CANDIDATES.find((path) => existsSync(path));
const ARTIFACTS = resolve(import.meta.dirname, '../test-artifacts');

if (!CHROMIUM) {
  console.warn(`SKIPPED: the HTML report browser test: Chromium not found at ${CANDIDATES.join(' or ')} (install it: apt-get install -y chromium)`);
}

describe.skipIf(!CHROMIUM)('HTML report in headless Chromium', () => {
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    profile = await mkdtemp(join(tmpdir(), 'streambench-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  /** Opens an HTML file from disk, recording console errors, page errors, dialogs and any network request. */
  async function open(name: string, html: string) {
    const file = join(ARTIFACTS, `${name}.html`);
    await writeFile(file, html);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('request', (request) => {
      if (!/^(file|data):/.test(request.url())) problems.push(`network: ${request.url()}`);
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return { page, problems };
  }

  /** For every chart figure: whether it has an <svg> that is laid out and holds drawn marks. */
  function chartStates(page: Awaited<ReturnType<typeof open>>['page']) {
    return page.$$eval('figure.chart', (figures) =>
      figures.map((figure) => {
        const svg = figure.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          id: figure.getAttribute('data-chart'),
          svg: svg !== null,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
          marks: svg?.querySelectorAll('.plot path, .plot rect, .plot circle').length ?? 0,
        };
      }),
    );
  }

  it('renders the report: every chart drawn, the right request count, no errors', async () => {
    const results = withSweepAndSelfcheck(syntheticResults({ requests: 120, concurrency: 6, failEvery: 13, groups: ['short', 'long', 'code'], warmup: 4 }));
    const { page, problems } = await open('report', renderHtmlReport(results, { lang: 'en' }));

    const charts = await chartStates(page);
    expect(charts.map((c) => c.id)).toEqual(['sweep', 'pareto', 'ttft-histogram', 'ttft-cdf', 'latency-by-start', 'throughput', 'token-throughput', 'in-flight', 'rate-histogram', 'groups']);
    for (const chart of charts) {
      expect(chart, `chart ${chart.id}`).toMatchObject({ svg: true });
      expect(chart.width, `chart ${chart.id} width`).toBeGreaterThan(200);
      expect(chart.height, `chart ${chart.id} height`).toBeGreaterThan(80);
      expect(chart.marks, `chart ${chart.id} marks`).toBeGreaterThan(0);
    }
    expect(await page.textContent('[data-field="total_requests"]')).toBe('116'); // 120 rows less 4 warm-up
    expect(await page.textContent('[data-kpi="total-requests"] .value')).toBe('116');
    // The hostile error body is shown as text, not run or parsed.
    expect(await page.title()).not.toBe('pwned');
    expect(await page.locator('#errors img').count()).toBe(0);
    expect(await page.textContent('#errors')).toContain('<script>document.title="pwned"</script>');

    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders the Chinese report', async () => {
    const results = syntheticResults({ requests: 40, failEvery: 11 });
    const { page, problems } = await open('report-zh', renderHtmlReport(results, { lang: 'zh' }));
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('h1')).toBe('streambench 测试报告');
    const charts = await chartStates(page);
    expect(charts.filter((c) => c.marks > 0).map((c) => c.id)).toHaveLength(7);
    expect(await page.textContent('[data-field="total_requests"]')).toBe('40');
    await page.screenshot({ path: join(ARTIFACTS, 'report-zh.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('renders the comparison of three runs', async () => {
    const runs = [
      { name: 'yesterday.json', results: syntheticResults({ requests: 60, ttftMs: 320, seed: 5 }) },
      { name: 'today.json', results: syntheticResults({ requests: 80, ttftMs: 180, seed: 6 }) },
      { name: 'branch.json', results: syntheticResults({ requests: 70, ttftMs: 400, seed: 7 }) },
    ];
    const comparison = compareMany(
      runs.map(({ name, results }) => ({ name, ...mergeResults([{ name, results }]) })),
      { confidence: 0.99, seed: 1 },
    );
    const { page, problems } = await open('compare', renderCompareHtml(runs, comparison, { lang: 'en' }));
    const charts = await chartStates(page);
    expect(charts.length).toBeGreaterThanOrEqual(7);
    for (const chart of charts) expect(chart.marks, `chart ${chart.id}`).toBeGreaterThanOrEqual(3);
    expect(await page.locator('#compare thead th').count()).toBe(2 + 2 * 2);
    expect(await page.textContent('#verdict')).toMatch(/REGRESSION: #3 branch\.json/);
    await page.screenshot({ path: join(ARTIFACTS, 'compare.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
