/**
 * The run configuration: one zod schema is the single source of truth for
 * config.json fields and for what flags may set. Loading order: file, then
 * flags (flags win), then ${ENV} expansion, then validation.
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { hasTimeUnit, parseDuration } from '../util/duration.ts';
import { UsageError } from '../record/errors.ts';
import { jsonErrorOffset, lineColumn } from '../util/json-position.ts';
import { parseThreshold } from '../stats/rule.ts';
import { ShardSchema } from './shard-spec.ts';
import { DEFAULT_SIMULATOR } from '../sim/simulator.ts';
import { DEFAULT_TRANSPORT, RETIRED_TRANSPORTS, TRANSPORT_NAMES } from '../wire/transport.ts';
import { isBuiltinTokenizer, TOKENIZERS } from '../stats/tokenizer.ts';
import { workloadFlag, WorkloadSchema } from './workload-spec.ts';

export const SIM_SCHEME = 'sim:';
export const DEFAULT_URL = 'sim://local/v1/chat/completions';

const URL_SCHEMES = ['http:', 'https:', SIM_SCHEME];

const httpUrl = z.string().superRefine((value, ctx) => {
  const problem = urlProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Why `value` is not a URL the run can send to, or undefined. */
function urlProblem(value: string): string | undefined {
  try {
    if (URL_SCHEMES.includes(new URL(value).protocol)) return undefined;
  } catch {
    // WHATWG URL parsing refuses a port above 65535 outright: say so rather than "not a URL".
    const port = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:]*):(\d+)(?:[/?#]|$)/i.exec(value)?.[1];
    if (port !== undefined && Number(port) > 65535) return `port ${port} is out of range (1-65535)`;
  }
  return 'must be an http(s):// URL (or sim:// for the built-in simulated endpoint)';
}

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const SimulatorSchema = z.strictObject({
  ttft_ms: z.number().min(0).default(DEFAULT_SIMULATOR.ttftMs),
  itl_ms: z.number().min(0).default(DEFAULT_SIMULATOR.itlMs),
  tokens: z.int().min(1).default(DEFAULT_SIMULATOR.tokens),
  jitter: z.number().min(0).max(1).default(DEFAULT_SIMULATOR.jitter),
  reasoning_tokens: z.int().min(0).default(DEFAULT_SIMULATOR.reasoningTokens),
  seed: z.int().optional(),
  /** ms of prefill per prompt token the prefix cache did not serve: longer prompts wait longer for the first token. */
  prefill_ms_per_token: z.number().min(0).default(DEFAULT_SIMULATOR.prefillMsPerToken),
  /** Prefix cache size in tokens (0: none): shared prefixes skip their prefill. */
  prefix_cache_tokens: z.int().min(0).default(DEFAULT_SIMULATOR.prefixCacheTokens),
});

/** Seconds: a number, or a string with a unit ("60s", "2m", "500ms"). */
function durationSeconds(allowZero: boolean) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const seconds = typeof value === 'number' ? value : parseDuration(value);
    if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0 || (!allowZero && seconds === 0)) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a ${allowZero ? 'non-negative' : 'positive'} duration such as 30, "30s", "2m" or "500ms"`,
      });
      return z.NEVER;
    }
    return seconds;
  });
}

/** Open-loop arrival processes (--arrival); load/schedule.ts draws their send times. */
export const ARRIVALS = ['poisson', 'constant', 'gamma'] as const;
export type Arrival = (typeof ARRIVALS)[number];

export const SWEEP_PARAMETERS = ['concurrency', 'rate'] as const;

export const SweepSchema = z
  .strictObject({
    parameter: z.enum(SWEEP_PARAMETERS),
    values: z.array(z.number().positive()).min(1),
    /** Stop after a level whose error rate (0..1) exceeds this. */
    max_error_rate: z.number().min(0).max(1).default(0.1),
    /** Stop after a level whose TTFT p99 (seconds) exceeds this. */
    max_ttft_p99: durationSeconds(false).optional(),
  })
  .refine((sweep) => sweep.parameter !== 'concurrency' || sweep.values.every(Number.isInteger), {
    message: 'concurrency levels must be whole numbers',
    path: ['values'],
  });

/** A metrics URL: absolute http(s), or a path ("/metrics") on the target's origin. */
const metricsUrl = z.string().refine(
  (value) => {
    if (value.startsWith('/')) return true;
    try {
      return ['http:', 'https:'].includes(new URL(value).protocol);
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s):// URL or a path such as /metrics (on the target\'s origin)' },
);

/** Seconds between scrapes and the longest one scrape may take, by default. */
export const SERVER_METRICS_DEFAULTS = { urls: ['/metrics'], interval: 1, timeout: 3 } as const;

/**
 * Scraping the server's own Prometheus metrics during the run (docs/server-metrics.md):
 * true (the target's /metrics), a URL, a list of URLs, or the full object.
 */
export const ServerMetricsSchema = z
  .preprocess(
    // The short forms become the object, so a bad value is named by its field (server_metrics.interval).
    (value) => (value === false ? null : value === true ? {} : typeof value === 'string' ? { urls: [value] } : Array.isArray(value) ? { urls: value } : value),
    z
      .strictObject({
        urls: z.array(metricsUrl).min(1).optional(),
        interval: durationSeconds(false).optional(),
        timeout: durationSeconds(false).optional(),
        headers: z
          .record(
            z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'is not a valid header name'),
            z.string().refine((value) => !/[\r\n\0]/.test(value), 'a header value must not contain line breaks or NUL'),
          )
          .optional(),
      })
      .nullable(),
  )
  .transform((object) =>
    object === null
      ? undefined
      : {
          urls: object.urls ?? [...SERVER_METRICS_DEFAULTS.urls],
          interval: object.interval ?? SERVER_METRICS_DEFAULTS.interval,
          timeout: object.timeout ?? SERVER_METRICS_DEFAULTS.timeout,
          headers: object.headers ?? {},
        },
  )
  // For editors (config.schema.json): the short forms the preprocess accepts.
  .meta({
    description: 'true (the target\'s /metrics), a URL, a list of URLs, or {urls, interval, timeout, headers}: docs/server-metrics.md',
    anyOf: [
      { type: 'boolean' },
      { type: 'string' },
      { type: 'array', items: { type: 'string' }, minItems: 1 },
      {
        type: 'object',
        properties: {
          urls: { type: 'array', items: { type: 'string' }, minItems: 1 },
          interval: { type: ['number', 'string'] },
          timeout: { type: ['number', 'string'] },
          headers: { type: 'object', additionalProperties: { type: 'string' } },
        },
        additionalProperties: false,
      },
    ],
  });
export type ServerMetricsConfig = NonNullable<z.output<typeof ServerMetricsSchema>>;

export const SloSchema = z.strictObject({
  ttft: durationSeconds(false).optional(),
  tpot: durationSeconds(false).optional(),
  e2e: durationSeconds(false).optional(),
});

export const DataSourceSchema = z.strictObject({
  /** Default: from the file extension (.jsonl / .ndjson: jsonl, else csv). */
  type: z.enum(['csv', 'jsonl']).optional(),
  /** Relative to the config file's folder (to the working folder for --data). */
  file: z.string().min(1),
  /** Limits the columns the template and group_by may use. */
  column: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** A WHATWG encoding label (utf-8, gbk, gb18030, big5, utf-16le, …); a byte order mark overrides it. */
  encoding: z.string().min(1).default('utf-8'),
});
/** Mooncake's block size: one hash id of a trace covers this many tokens. */
export const DEFAULT_TRACE_BLOCK_SIZE = 512;

/**
 * A number drawn per item: fixed, or `{mean, stddev, min, max}` (normal, kept
 * within the bounds; util/distribution.ts). `value` checks each number.
 */
function distribution(value: z.ZodType<number, number | string>, stddev: z.ZodType<number, number | string>, what: string) {
  const spread = z
    .strictObject({ mean: value, stddev: stddev.optional(), min: value.optional(), max: value.optional() })
    .refine((d) => d.min === undefined || d.max === undefined || d.min <= d.max, { message: 'min must not be above max', path: ['min'] })
    .refine((d) => (d.min === undefined || d.mean >= d.min) && (d.max === undefined || d.mean <= d.max), {
      message: 'mean must lie within min..max',
      path: ['mean'],
    });
  return z.union([value, spread], { error: `must be ${what}, or {"mean", "stddev", "min", "max"}` });
}

/** Turns per conversation: whole numbers >= 1 (a stddev may be fractional, a mean too). */
const turnCount = z.number().refine((n) => Number.isFinite(n) && n >= 1, { message: 'must be at least 1 turn' }) as z.ZodType<number, number | string>;

export const TraceSchema = z.strictObject({
  /** A mooncake-style JSONL trace; relative to the config file's folder (to the working folder for --trace). */
  file: z.string({ error: 'needs the trace file (--trace FILE)' }).min(1),
  /** Tokens per hash id. */
  block_size: z.int().min(1).default(DEFAULT_TRACE_BLOCK_SIZE),
  /** Timestamps and delays are divided by it: 2 replays twice as fast. */
  speedup: z.number().positive().default(1),
});

function checkThresholdSyntax(text: string, ctx: z.RefinementCtx): void {
  try {
    parseThreshold(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
}

export const ConfigSchema = z.strictObject({
  url: httpUrl.default(DEFAULT_URL),
  method: z
    .string()
    .regex(/^[A-Za-z]+$/, 'must be an HTTP method such as POST')
    .transform((m) => m.toUpperCase())
    .default('POST'),
  headers: z
    .record(
      z.string().regex(headerName, 'is not a valid header name'),
      z.string().refine((value) => !/[\r\n\0]/.test(value), 'a header value must not contain line breaks or NUL'),
    )
    .default({}),
  body: z.unknown().optional(),
  /** Seconds, per request. */
  timeout: z.number().positive().default(300),
  /** Seconds: the longest allowed gap between body bytes once the headers are in. */
  idle_timeout: z.number().positive().optional(),
  concurrency: z.int().min(1).default(10),
  total_requests: z.int().min(1).default(100),
  protocol: z.string().default('auto'),
  /** A retired name (socket, http) is accepted with a warning and runs on undici. */
  transport: z.enum([...TRANSPORT_NAMES, ...RETIRED_TRANSPORTS]).default(DEFAULT_TRANSPORT),
  /** Offer HTTP/2 to https:// servers (TLS ALPN); the server picks. */
  http2: z.boolean().default(false),
  /** Open the run's connections before the clock starts; 'auto': lib/preconnect.ts's rule. */
  preconnect: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  /** Worker threads driving the load; 'auto': one per free core. */
  workers: z.union([z.int().min(1), z.literal('auto')]).default(1),
  /** Add `stream_options.include_usage: true` to OpenAI chat/completions bodies with `stream: true`. */
  include_usage: z.boolean().default(true),
  /**
   * o200k, cl100k or the path of a Hugging Face tokenizer.json (relative to the config file's folder; to the
   * working folder for --tokenizer): sizes generated prompts (default o200k) and estimates output tokens when
   * the server reports no usage.
   */
  tokenizer: z
    .string()
    .refine((value) => isBuiltinTokenizer(value) || /[\\/]|\.json$/i.test(value), {
      message: `must be ${TOKENIZERS.join(' or ')}, or the path of a tokenizer.json`,
    })
    .optional(),
  /** Prompts and outputs by token length, shared prefixes (docs/workloads.md). */
  workload: WorkloadSchema.optional(),
  output: z.string().optional(),
  lang: z.enum(['en', 'zh']).default('en'),
  quiet: z.boolean().default(false),
  /** The terminal report: brief (one screen) or full (every section and statistic). */
  report: z.enum(['brief', 'full']).default('brief'),
  simulator: SimulatorSchema.prefault({}),
  // Load shape (README "Load shapes"). Without `rate`: closed loop at `concurrency`.
  /** Open loop: requests per second. */
  rate: z.number().positive().optional(),
  /** Inter-arrival distribution; default poisson (gamma when burstiness is set). */
  arrival: z.enum(ARRIVALS).optional(),
  /** Gamma shape: 1 = Poisson, < 1 burstier, > 1 more even. */
  burstiness: z.number().positive().optional(),
  /** Open loop: at most this many in flight. */
  max_concurrency: z.int().min(1).optional(),
  /** Seconds; replaces total_requests: sending stops at the deadline. */
  duration: durationSeconds(false).optional(),
  /** Seconds in-flight requests may finish after the deadline before being aborted. */
  grace: durationSeconds(true).default(30),
  /** Retry a request after a retryable failure (connect, timeout before headers, 429, 5xx) up to this many times; 0: never. */
  retries: z.int().min(0).max(10).default(0),
  /** Seconds: the first retry's backoff, doubled for each further retry (with jitter). */
  retry_backoff: durationSeconds(false).default(0.5),
  /** Seconds: the longest wait before a retry, the server's Retry-After included. */
  retry_max_wait: durationSeconds(false).default(30),
  /** A request count (number) or a time ("10s"): flagged in results, left out of stats. */
  warmup: z
    .union([
      z.int().min(0),
      z.string().refine((text) => hasTimeUnit(text) && parseDuration(text) !== undefined, {
        message: 'must be a request count (number) or a duration such as "10s"',
      }),
    ])
    .optional(),
  /** Seconds over which concurrency (from 1) or rate (from 0) rises linearly to its target. */
  ramp_up: durationSeconds(true).optional(),
  sweep: SweepSchema.optional(),
  slo: SloSchema.optional(),
  /** Rows that fill {{placeholders}} in the url, headers and body, one row per request. */
  data_source: DataSourceSchema.optional(),
  /** A data column; the report adds a table per value. */
  group_by: z.string().min(1).optional(),
  /** Send the data rows in a random order (seeded by `seed`). */
  shuffle: z.boolean().default(false),
  /**
   * Seeds the run's random choices: the data shuffle and the open-loop arrival
   * schedule. validateConfig picks one when the run needs it and none is given;
   * the results record it, so the run can be repeated.
   */
  seed: z.int().min(0).optional(),
  /** k6-style absolute checks on the run, e.g. "ttft.p99 < 1.5"; any failure exits 1. */
  thresholds: z.array(z.string().superRefine(checkThresholdSyntax)).default([]),
  /** "i/N": this copy is shard i of N and sends its share of the load (lib/shard.ts). */
  shard: ShardSchema.optional(),
  /** Scrape the server's Prometheus metrics during the run (docs/server-metrics.md). */
  server_metrics: ServerMetricsSchema.optional(),
  /**
   * Conversations: each sends this many turns, each request carrying the whole
   * history with the replies actually streamed. total_requests then counts
   * conversations, concurrency (or rate) conversations in flight (or started).
   */
  turns: distribution(turnCount, z.number().min(0) as z.ZodType<number, number | string>, 'a number of turns >= 1').optional(),
  /** Seconds between a reply and the next turn of its conversation, outside every latency. */
  think_time: distribution(durationSeconds(true), durationSeconds(true), 'a duration such as "2s"').optional(),
  /** Replay a timestamped trace (mooncake format) instead of a load shape. */
  trace: TraceSchema.optional(),
});

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Values from flags; undefined means "not given". */
export interface ConfigOverrides {
  url?: string;
  total_requests?: number;
  concurrency?: number;
  method?: string;
  timeout?: number;
  idle_timeout?: number;
  headers?: Record<string, string>;
  body?: unknown;
  output?: string;
  lang?: string;
  quiet?: boolean;
  report?: string;
  protocol?: string;
  transport?: string;
  http2?: boolean;
  preconnect?: boolean | 'auto';
  workers?: number | 'auto';
  tokenizer?: string;
  rate?: number;
  arrival?: string;
  burstiness?: number;
  max_concurrency?: number;
  duration?: string;
  grace?: string;
  retries?: number;
  retry_backoff?: string;
  retry_max_wait?: string;
  /** A count, or a duration string. */
  warmup?: number | string;
  ramp_up?: string;
  /** Merged into the file's sweep field, so a flag can change one setting. */
  sweep?: Record<string, unknown>;
  slo?: Record<string, unknown>;
  /** Merged into the file's data_source field by field. */
  data_source?: { type?: string; file?: string; column?: string | string[]; encoding?: string };
  group_by?: string;
  shuffle?: boolean;
  seed?: number;
  thresholds?: string[];
  shard?: string;
  /** --server-metrics [URL] and --server-metrics-interval, merged into the file's server_metrics. */
  server_metrics?: { urls?: string[]; interval?: string | number };
  /** Merged into the file's workload field by field. */
  workload?: Record<string, unknown>;
  /** A number replaces the file's value; an object (from --turns-stddev and friends) is merged into it. */
  turns?: number | DistributionOverride;
  think_time?: string | DistributionOverride;
  /** Merged into the file's trace field. */
  trace?: { file?: string; block_size?: number; speedup?: number };
}

/** A distribution field set from its flags: the mean (--turns) and any of --turns-stddev, -min, -max. */
export type DistributionOverride = { mean?: number | string; stddev?: number | string; min?: number | string; max?: number | string };

/** Fields whose flags merge into an object of the file: the flag's fields replace the file's. */
const MERGED_OBJECTS = new Set(['sweep', 'workload', 'trace']);
/** Distribution fields (a value, or {mean, stddev, min, max}) and the flag of their mean. */
const DISTRIBUTIONS: Record<string, string> = { turns: '--turns', think_time: '--think-time' };

export interface LoadedConfig {
  config: Config;
  /** Folder that relative paths in the config resolve against. */
  baseDir: string;
  /** Where the config came from, for messages. */
  source: string;
  /** Values expanded from ${ENV} references: secrets to scrub. */
  expandedValues: string[];
}

export async function loadConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read config file ${path}: ${code === 'ENOENT' ? 'no such file' : String(code)}`);
  }
  const parsed = parseJsonWithPosition(text.replace(/^\uFEFF/, ''), path);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`config file ${path} must hold a JSON object`);
  }
  // "$schema" points editors at config.schema.json; it is not a setting, so it never reaches the results.
  const { $schema: _editorSchema, ...config } = parsed as Record<string, unknown>;
  return config;
}

/** JSON.parse with a "file:line:column: invalid JSON: reason" error message; `firstLine` is the line `text` starts on. */
export function parseJsonWithPosition(text: string, source: string, firstLine = 1): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const { line, column } = lineColumn(text, jsonErrorOffset(text));
    // Node's reasons differ by version; drop their positions and quoted snippets, ours are exact.
    const reason = (error as Error).message
      .replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '')
      .replace(/\s*\(line \d+ column \d+\)/, '')
      .replace(/ (?:in JSON )?at position \d+/, '')
      .replace(/\n/g, '\\n');
    throw new UsageError(`${source}:${line + firstLine - 1}:${column}: invalid JSON: ${reason}`);
  }
}

export function mergeOverrides(file: Record<string, unknown>, flags: ConfigOverrides): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...file };
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined || key === 'headers' || key === 'data_source') continue;
    const base = file[key];
    if (key === 'server_metrics') merged[key] = { ...serverMetricsObject(base), ...(value as object) };
    else if (MERGED_OBJECTS.has(key) && base && typeof base === 'object') merged[key] = { ...base, ...(value as object) };
    else if (key in DISTRIBUTIONS && typeof value === 'object') merged[key] = mergeDistribution(key, base, value as DistributionOverride);
    else merged[key] = value;
  }
  if (flags.data_source) {
    const source = { ...(file.data_source as Record<string, unknown> | undefined) };
    for (const [name, value] of Object.entries(flags.data_source)) {
      if (value === undefined && name !== 'type') continue;
      source[name] = value;
    }
    // A type left undefined is inferred from the file's extension.
    if (source.type === undefined) delete source.type;
    merged.data_source = source;
  }
  if (flags.headers) {
    const headers = { ...(file.headers as Record<string, string> | undefined) };
    for (const [name, value] of Object.entries(flags.headers)) {
      for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
      headers[name] = value;
    }
    merged.headers = headers;
  }
  return merged;
}

/** --turns-stddev and friends onto the file's value (a number is its mean); a spread needs a mean. */
function mergeDistribution(key: string, base: unknown, flags: DistributionOverride): Record<string, unknown> {
  const merged = { ...(typeof base === 'object' && base !== null ? base : base !== undefined ? { mean: base } : {}), ...flags } as Record<string, unknown>;
  for (const name of Object.keys(flags)) if ((flags as Record<string, unknown>)[name] === undefined) delete merged[name];
  if (merged.mean === undefined) {
    const given = Object.keys(flags).map((name) => `${DISTRIBUTIONS[key]}-${name}`);
    throw new UsageError(`${given.join(', ')} needs a mean: give ${DISTRIBUTIONS[key]} (or ${key} in the config)`);
  }
  return merged;
}

/** A file's server_metrics in its object form, so flags can change one setting of it. */
function serverMetricsObject(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') return { urls: [value] };
  if (Array.isArray(value)) return { urls: value };
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/** Replaces ${NAME} in every string, deeply. A missing variable is a usage error naming the field. */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv, expanded: string[], path = ''): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const found = env[name];
      if (found === undefined) {
        throw new UsageError(`${path || 'config'}: environment variable ${name} is not set (referenced as \${${name}})`);
      }
      expanded.push(found);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => expandEnv(item, env, expanded, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = expandEnv(item, env, expanded, path ? `${path}.${key}` : key);
    return out;
  }
  return value;
}

/** The flag that sets a config field, to name it in errors about a flag's value. */
const FLAG_FOR_FIELD: Partial<Record<keyof Config, string>> = {
  url: '--url',
  total_requests: '--requests',
  concurrency: '--concurrency',
  method: '--method',
  timeout: '--timeout',
  idle_timeout: '--idle-timeout',
  output: '--output',
  lang: '--lang',
  report: '--report',
  protocol: '--protocol',
  headers: '--header',
  rate: '--rate',
  arrival: '--arrival',
  burstiness: '--burstiness',
  seed: '--seed',
  max_concurrency: '--max-concurrency',
  duration: '--duration',
  grace: '--grace',
  retries: '--retries',
  retry_backoff: '--retry-backoff',
  retry_max_wait: '--retry-max-wait',
  warmup: '--warmup',
  ramp_up: '--ramp-up',
  sweep: '--sweep',
  slo: '--slo',
  group_by: '--group-by',
  shard: '--shard',
  tokenizer: '--tokenizer',
  server_metrics: '--server-metrics',
  turns: '--turns',
  think_time: '--think-time',
  trace: '--trace',
};

/** Flags of nested fields, by path. */
const FLAG_FOR_PATH: Record<string, string> = {
  'turns.mean': '--turns',
  'turns.stddev': '--turns-stddev',
  'turns.min': '--turns-min',
  'turns.max': '--turns-max',
  'think_time.mean': '--think-time',
  'think_time.stddev': '--think-time-stddev',
  'think_time.min': '--think-time-min',
  'think_time.max': '--think-time-max',
  'trace.block_size': '--trace-block-size',
  'trace.speedup': '--trace-speedup',
};

/** Whether a flag set the field at `path` (workload fields one by one: `workload.input_tokens`). */
function fromFlag(path: readonly PropertyKey[], fromFlags: readonly string[]): boolean {
  const [field, nested] = path.map(String);
  return field === 'workload' && nested !== undefined ? fromFlags.includes(`workload.${nested}`) : fromFlags.includes(field ?? '');
}

function flagFor(path: readonly PropertyKey[]): string | undefined {
  const [field, nested] = path.map(String);
  if (field === 'workload' && nested !== undefined) return workloadFlag(nested);
  return FLAG_FOR_PATH[path.map(String).join('.')] ?? FLAG_FOR_FIELD[field as keyof Config];
}

/** Validates merged config input; `fromFlags` names the fields a flag set (errors then name the flag). */
export function validateConfig(input: unknown, source: string, fromFlags: readonly string[] = []): Config {
  const result = ConfigSchema.safeParse(input);
  if (result.success) return withRunSeed(result.data);
  // Only when every problem is a flag's is the file not to blame.
  const allFromFlags = result.error.issues.every((issue) => fromFlag(issue.path, fromFlags));
  const problems = result.error.issues.map((issue) => {
    const flag = fromFlag(issue.path, fromFlags) ? flagFor(issue.path) : undefined;
    const fieldPath = issue.path.map(String).join('.') || '(root)';
    const path = flag ? `${flag} (${fieldPath})` : fieldPath;
    return issue.code === 'unrecognized_keys'
      ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${path === '(root)' ? '' : ` in ${path}`}`
      : `${path}: ${issue.message}`;
  });
  const what = source === 'flags' || allFromFlags ? 'invalid option' : `invalid config (${source})`;
  throw new UsageError(`${what}: ${problems.join('; ')}`);
}

/** Open loop: requests arrive at a rate (rate, or a rate sweep) or a trace's timestamps, instead of a fixed concurrency. */
export function isOpenLoop(config: Pick<Config, 'rate' | 'sweep' | 'trace'>): boolean {
  return config.rate !== undefined || config.sweep?.parameter === 'rate' || config.trace !== undefined;
}

/**
 * One seed feeds every random choice of a run (the data shuffle, the open-loop
 * arrival schedule, generated prompts and lengths): when the run makes one and no seed is given, pick it here,
 * once, so both use the same and the results record it.
 */
function withRunSeed(config: Config): Config {
  const generates = config.workload !== undefined && (config.workload.input_tokens !== undefined || config.workload.output_tokens_stddev !== undefined);
  // Conversations' and traces' synthetic text is keyed by the seed too: a new one per run, so no server cache holds it from the last run.
  const synthetic = config.turns !== undefined || config.trace !== undefined;
  if (config.seed !== undefined || !(config.shuffle || isOpenLoop(config) || generates || synthetic)) return config;
  if (config.shard !== undefined) {
    // Each shard would pick its own: the rows would be shuffled differently, and the configs would not match.
    const what = config.shuffle
      ? 'shuffle'
      : config.trace
        ? 'a trace'
        : config.turns !== undefined
          ? 'turns'
          : isOpenLoop(config)
            ? 'rate'
            : 'generated prompts (--input-tokens)';
    throw new UsageError(`--shard with ${what} needs a seed (--seed), the same in every shard`);
  }
  return { ...config, seed: randomInt(2 ** 31) };
}

export interface ResolveOptions {
  configPath?: string;
  /** Used when no configPath is given and the file exists. */
  defaultConfigPath?: string;
  flags: ConfigOverrides;
  env: NodeJS.ProcessEnv;
  cwd: string;
  fileExists: (path: string) => boolean;
}

export async function resolveConfig(options: ResolveOptions): Promise<LoadedConfig> {
  let path = options.configPath ? resolve(options.cwd, options.configPath) : undefined;
  if (!path && options.defaultConfigPath && !options.flags.url) {
    const candidate = resolve(options.cwd, options.defaultConfigPath);
    if (options.fileExists(candidate)) path = candidate;
  }
  const file = path ? await loadConfigFile(path) : {};
  const source = path ?? 'flags';
  const expandedValues: string[] = [];
  const merged = expandEnv(mergeOverrides(file, options.flags), options.env, expandedValues);
  const fromFlags = Object.entries(options.flags)
    .filter(([, value]) => value !== undefined)
    .flatMap(([key, value]) => (key === 'workload' ? Object.keys(value as object).map((field) => `workload.${field}`) : [key]));
  const config = validateConfig(merged, source, fromFlags);
  return { config, baseDir: path ? dirname(path) : options.cwd, source, expandedValues };
}

export function isSimulatedUrl(url: string): boolean {
  return url.startsWith(SIM_SCHEME);
}
