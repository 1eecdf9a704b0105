/**
 * The one line that says what was run: method, URL (redacted), protocol and
 * load shape, read from the config as recorded. The terminal report opens
 * with it; markdown and HTML show the same facts.
 */
import type { ReportData } from './report-data.ts';
import { fill, type Labels } from './i18n.ts';
import { createRedactor } from '../wire/redact.ts';
import { formatDuration } from '../util/duration.ts';

/** "concurrency 10 · 40 requests", "rate 5/s poisson · max concurrency 8 · for 30s", "sweep concurrency 1,2,4 · 20 requests". */
export function describeLoad(config: NonNullable<ReportData['config']>, L: Labels): string {
  const parts: string[] = [];
  const sweep = config.sweep as { parameter?: string; values?: number[] } | undefined;
  const rate = typeof config.rate === 'number' ? config.rate : undefined;
  if (sweep?.parameter && Array.isArray(sweep.values)) {
    parts.push(fill(L.loadSweep, { parameter: sweep.parameter, values: sweep.values.join(',') }));
  } else if (rate !== undefined) {
    parts.push(`${fill(L.loadRate, { rate })} ${typeof config.arrival === 'string' ? config.arrival : 'poisson'}`);
  } else {
    parts.push(fill(L.loadConcurrency, { n: config.concurrency }));
  }
  if (typeof config.max_concurrency === 'number') parts.push(fill(L.maxConcurrency, { n: config.max_concurrency }));
  if (typeof config.duration === 'number') parts.push(fill(L.loadDuration, { d: formatDuration(config.duration) }));
  else parts.push(fill(L.loadRequests, { n: config.total_requests }) + (sweep?.parameter ? ` / ${L.level.toLowerCase()}` : ''));
  return parts.join(' · ');
}

/** Undefined without a config (a summary rendered on its own). */
export function runLine(data: ReportData, L: Labels): string | undefined {
  const { config, run } = data;
  if (!config) return undefined;
  const method = typeof config.method === 'string' ? `${config.method} ` : '';
  const parts = [`${method}${createRedactor().text(config.url)}`];
  if (run) parts.push(run.protocol);
  parts.push(describeLoad(config, L));
  if (run) parts.push(`${L.transport.toLowerCase()} ${run.transport}`);
  return `streambench · ${parts.join(' · ')}`;
}
