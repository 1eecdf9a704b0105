/**
 * Server metrics for one run, as the run command drives them: the URLs
 * resolved against the target, the scraper started before the first request
 * and finished after the last, and the results block built on the run's clock.
 */
import type { ScrapeCost, ServerMetricsBlock } from './block.ts';
import { createServerMetricsScraper } from './scraper.ts';
import { buildServerMetricsBlock } from './summarize.ts';

export interface RunScrapeOptions {
  /** Absolute URLs, or paths (`/metrics`) on the target's origin. */
  urls: readonly string[];
  targetUrl: string;
  headers: Record<string, string>;
  intervalSeconds: number;
  timeoutSeconds: number;
  warn(message: string): void;
  fetch?: typeof fetch;
}

export interface RunScrapes {
  urls: string[];
  /** The scrape right before the first request, then the periodic ones. Call right before the load starts. */
  begin(): Promise<void>;
  /** The scrape right after the last request, and the block; `originMs` is the load's origin (performance.now()). */
  end(originMs: number): Promise<{ block: ServerMetricsBlock; cost: ScrapeCost }>;
  /** Stops scraping at once, results or not (a failed or interrupted run). */
  stop(): void;
}

/** `/metrics` becomes `http://host:port/metrics` of the target; an absolute URL stays as it is. */
export function resolveMetricsUrls(urls: readonly string[], targetUrl: string): string[] {
  const origin = new URL(targetUrl).origin;
  return [...new Set(urls.map((url) => (url.startsWith('/') ? origin + url : url)))];
}

export function startRunScrapes(options: RunScrapeOptions): RunScrapes {
  const urls = resolveMetricsUrls(options.urls, options.targetUrl);
  const scraper = createServerMetricsScraper({
    endpoints: urls.map((url) => ({ url, headers: options.headers })),
    intervalMs: options.intervalSeconds * 1000,
    timeoutMs: options.timeoutSeconds * 1000,
    warn: options.warn,
    fetch: options.fetch,
  });
  return {
    urls,
    async begin() {
      await scraper.baseline();
      scraper.start();
    },
    async end(originMs) {
      const records = await scraper.finish();
      return { block: buildServerMetricsBlock(records, originMs, options.intervalSeconds), cost: scraper.cost() };
    },
    stop: () => scraper.stop(),
  };
}
