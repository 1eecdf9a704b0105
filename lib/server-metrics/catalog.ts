/**
 * The metrics we know by name, per inference server: which of a server's
 * metrics answers "how many requests were running", "how full was the KV
 * cache", "what TTFT did the engine itself see". The report's Server section
 * and docs/server-metrics.md are built from this one table. Names are as a
 * scrape shows them (counters with their `_total` when the server writes one;
 * histograms by their family name). The first name a server exposes wins
 * (renamed metrics list the current name first).
 */

export const SERVER_KINDS = ['vllm', 'sglang', 'tgi', 'llama.cpp'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

export const SERVER_TITLES: Record<ServerKind, string> = { vllm: 'vLLM', sglang: 'SGLang', tgi: 'TGI', 'llama.cpp': 'llama.cpp' };

/** Metric-name prefixes that identify each server. */
const PREFIXES: Record<ServerKind, string> = { vllm: 'vllm:', sglang: 'sglang:', tgi: 'tgi_', 'llama.cpp': 'llamacpp:' };

export const ROLES = [
  'running',
  'waiting',
  'kv_cache_usage',
  'preemptions',
  'prompt_tokens',
  'generation_tokens',
  'requests_finished',
  'ttft',
  'itl',
  'e2e',
  'queue_time',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * How a role is read: a gauge (stats over the run), a counter (increase), a
 * latency histogram (quantiles), or the sum of a histogram whose observations
 * are the counted thing (TGI counts tokens per request in histograms).
 */
export type RoleKind = 'gauge' | 'ratio' | 'counter' | 'histogram' | 'histogram_sum';

export const ROLE_KINDS: Record<Role, RoleKind> = {
  running: 'gauge',
  waiting: 'gauge',
  kv_cache_usage: 'ratio',
  preemptions: 'counter',
  prompt_tokens: 'counter',
  generation_tokens: 'counter',
  requests_finished: 'counter',
  ttft: 'histogram',
  itl: 'histogram',
  e2e: 'histogram',
  queue_time: 'histogram',
};

/** Which way is better for a role's number, for compare's verdicts. */
export const ROLE_BETTER: Record<Role, 'lower' | 'higher'> = {
  running: 'higher',
  waiting: 'lower',
  kv_cache_usage: 'lower',
  preemptions: 'lower',
  prompt_tokens: 'higher',
  generation_tokens: 'higher',
  requests_finished: 'higher',
  ttft: 'lower',
  itl: 'lower',
  e2e: 'lower',
  queue_time: 'lower',
};

export interface KnownMetric {
  role: Role;
  /** Alternatives, current name first. */
  names: readonly string[];
  /** Read as the sum of this histogram (TGI) rather than a counter. */
  kind?: RoleKind;
  /** What differs from the role's plain meaning, for the docs. */
  note?: string;
}

export const KNOWN_METRICS: Record<ServerKind, readonly KnownMetric[]> = {
  vllm: [
    { role: 'running', names: ['vllm:num_requests_running'] },
    { role: 'waiting', names: ['vllm:num_requests_waiting'] },
    { role: 'kv_cache_usage', names: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'], note: 'a fraction, 0..1 (gpu_cache_usage_perc before vLLM 0.10)' },
    { role: 'preemptions', names: ['vllm:num_preemptions_total'] },
    { role: 'prompt_tokens', names: ['vllm:prompt_tokens_total'] },
    { role: 'generation_tokens', names: ['vllm:generation_tokens_total'] },
    { role: 'requests_finished', names: ['vllm:request_success_total'], note: 'all finished_reason labels added up' },
    { role: 'ttft', names: ['vllm:time_to_first_token_seconds'], note: 'from the request’s arrival in the API server' },
    { role: 'itl', names: ['vllm:inter_token_latency_seconds', 'vllm:time_per_output_token_seconds'] },
    { role: 'e2e', names: ['vllm:e2e_request_latency_seconds'] },
    { role: 'queue_time', names: ['vllm:request_queue_time_seconds'] },
  ],
  sglang: [
    { role: 'running', names: ['sglang:num_running_reqs'] },
    { role: 'waiting', names: ['sglang:num_queue_reqs'] },
    { role: 'kv_cache_usage', names: ['sglang:token_usage'], note: 'KV pool tokens in use, a fraction' },
    { role: 'preemptions', names: ['sglang:num_retracted_requests_total'], note: 'SGLang calls them retractions' },
    { role: 'prompt_tokens', names: ['sglang:prompt_tokens_total'] },
    { role: 'generation_tokens', names: ['sglang:generation_tokens_total'] },
    { role: 'requests_finished', names: ['sglang:num_requests_total'] },
    { role: 'ttft', names: ['sglang:time_to_first_token_seconds'] },
    { role: 'itl', names: ['sglang:inter_token_latency_seconds', 'sglang:time_per_output_token_seconds'] },
    { role: 'e2e', names: ['sglang:e2e_request_latency_seconds'] },
    { role: 'queue_time', names: ['sglang:queue_time_seconds'] },
  ],
  tgi: [
    { role: 'running', names: ['tgi_batch_current_size'], note: 'requests in the running batch' },
    { role: 'waiting', names: ['tgi_queue_size'] },
    { role: 'prompt_tokens', names: ['tgi_request_input_length'], kind: 'histogram_sum', note: 'the sum of the per-request input-length histogram' },
    { role: 'generation_tokens', names: ['tgi_request_generated_tokens'], kind: 'histogram_sum', note: 'the sum of the per-request generated-tokens histogram' },
    { role: 'requests_finished', names: ['tgi_request_success'] },
    { role: 'itl', names: ['tgi_request_mean_time_per_token_duration'], note: 'each request’s mean time per token, one observation per request' },
    { role: 'e2e', names: ['tgi_request_duration'] },
    { role: 'queue_time', names: ['tgi_request_queue_duration'] },
  ],
  'llama.cpp': [
    { role: 'running', names: ['llamacpp:requests_processing'] },
    { role: 'waiting', names: ['llamacpp:requests_deferred'] },
    { role: 'kv_cache_usage', names: ['llamacpp:kv_cache_usage_ratio'], note: 'only in builds before mid-2025' },
    { role: 'prompt_tokens', names: ['llamacpp:prompt_tokens_total'] },
    { role: 'generation_tokens', names: ['llamacpp:tokens_predicted_total'] },
  ],
};

/** The server whose prefix most metric names carry; null when none does. */
export function detectServer(metricNames: Iterable<string>): ServerKind | null {
  const counts = new Map<ServerKind, number>();
  for (const name of metricNames) {
    for (const kind of SERVER_KINDS) if (name.startsWith(PREFIXES[kind])) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  let best: ServerKind | null = null;
  for (const [kind, count] of counts) if (best === null || count > (counts.get(best) ?? 0)) best = kind;
  return best;
}

/** Every name the catalog knows, with its server and role. */
export function knownNames(): Map<string, { server: ServerKind; role: Role }> {
  const names = new Map<string, { server: ServerKind; role: Role }>();
  for (const server of SERVER_KINDS) for (const known of KNOWN_METRICS[server]) for (const name of known.names) names.set(name, { server, role: known.role });
  return names;
}

/** The metric answering `role` on this server: the first of its names present in `available`. */
export function findRole(server: ServerKind, role: Role, available: (name: string) => boolean): { name: string; kind: RoleKind } | undefined {
  const known = KNOWN_METRICS[server].find((metric) => metric.role === role);
  const name = known?.names.find(available);
  return known && name !== undefined ? { name, kind: known.kind ?? ROLE_KINDS[role] } : undefined;
}
