/**
 * The report's workload section: prompt lengths (ours and the server's),
 * prefix-cache hits the server reported, and output tokens requested against
 * produced, with the requests that came back short. One entry of the report's
 * section list (sections.ts): every format draws it.
 */
import type { Lang } from './i18n.ts';
import type { ReportSection } from './report-blocks.ts';
import type { WorkloadStats } from '../stats/workload-stats.ts';
import type { Distribution } from '../stats/stats.ts';

const LABELS = {
  en: {
    title: 'Workload: requested vs actual',
    prompt: 'Prompt tokens (ours)',
    serverPrompt: 'Prompt tokens (server)',
    cached: 'Cached prompt tokens (server)',
    requested: 'Output tokens requested',
    actual: 'Output tokens produced',
    short: 'Short requests',
    shortValue: '{n} of {of} ({pct}), {missing} tokens missing',
    shortHint: 'the server stopped early (end-of-sequence): --exact-output asks vLLM/SGLang to ignore it',
    templateHint: "the server's own tokenizer, chat template included",
  },
  zh: {
    title: '负载：请求与实际',
    prompt: '提示Token数 (本工具)',
    serverPrompt: '提示Token数 (服务端)',
    cached: '缓存命中的提示Token (服务端)',
    requested: '请求的输出Token数',
    actual: '实际输出Token数',
    short: '输出不足的请求',
    shortValue: '{n} / {of} ({pct})，共少 {missing} 个Token',
    shortHint: '服务端提前结束 (EOS)：--exact-output 让 vLLM/SGLang 忽略 EOS',
    templateHint: '服务端自己的分词器，含对话模板',
  },
} as const;

const fill = (template: string, values: Record<string, string | number>) => template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key]));
const spread = (d: Distribution) =>
  d.min === d.max ? `${d.min} (every request)` : `mean ${d.mean.toFixed(1)}  P50 ${Math.round(d.p50)}  P99 ${Math.round(d.p99)}  min ${d.min}  max ${d.max}`;

/** The section as titled label/value rows (the text report's shape); [] when there is nothing to show. */
export function workloadRows(stats: WorkloadStats, lang: Lang): { title: string; rows: Array<[string, string]> } {
  const L = LABELS[lang];
  const rows: Array<[string, string]> = [];
  if (stats.prompt_tokens) rows.push([L.prompt, spread(stats.prompt_tokens)]);
  if (stats.server_prompt_tokens) {
    const differs = stats.prompt_tokens && stats.server_prompt_tokens.mean !== stats.prompt_tokens.mean;
    rows.push([L.serverPrompt, spread(stats.server_prompt_tokens) + (differs ? `  (${L.templateHint})` : '')]);
  }
  const cached = stats.cached_prompt_tokens;
  if (cached) rows.push([L.cached, `${cached.cached} of ${cached.of} (${percent(cached.cached, cached.of)})`]);
  if (stats.requested_output_tokens) rows.push([L.requested, spread(stats.requested_output_tokens)]);
  if (stats.actual_output_tokens) rows.push([L.actual, spread(stats.actual_output_tokens)]);
  const short = stats.short_requests;
  if (short) {
    const value = fill(L.shortValue, { n: short.requests, of: short.of, pct: percent(short.requests, short.of), missing: short.missing_tokens });
    rows.push([`${short.requests > 0 ? '! ' : ''}${L.short}`, short.requests > 0 ? `${value}: ${L.shortHint}` : value]);
  }
  return { title: L.title, rows };
}

/**
 * Shown when the run had a workload (prompt lengths or output lengths asked for); the server's prompt
 * tokens alone (every run with usage) are in the latency table instead.
 */
export const workloadSection: ReportSection = {
  id: 'workload',
  build(data, L) {
    const stats = data.summary.workload;
    if (!stats || (!stats.prompt_tokens && !stats.requested_output_tokens)) return undefined;
    const lang = L.lang as Lang;
    const { title, rows } = workloadRows(stats, lang);
    if (rows.length === 0) return undefined;
    return {
      id: 'workload',
      title,
      blocks: [{ kind: 'pairs', id: 'workload', rows: rows.map(([label, value]) => ({ label, value })) }],
    };
  },
  brief(data, L) {
    const stats = data.summary.workload;
    if (!stats || (!stats.prompt_tokens && !stats.requested_output_tokens)) return [];
    const lang = L.lang as Lang;
    const T = LABELS[lang];
    const lines: string[] = [];
    const cached = stats.cached_prompt_tokens;
    if (cached && cached.cached > 0) lines.push(`${T.cached}: ${cached.cached} of ${cached.of} (${percent(cached.cached, cached.of)})`);
    const short = stats.short_requests;
    if (short && short.requests > 0) {
      lines.push(`! ${T.short}: ${fill(T.shortValue, { n: short.requests, of: short.of, pct: percent(short.requests, short.of), missing: short.missing_tokens })}: ${T.shortHint}`);
    }
    return lines;
  },
};

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '-';
}
