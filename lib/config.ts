/**
 * The run configuration: one zod schema is the single source of truth for
 * config.json fields and for what flags may set. Loading order: file, then
 * flags (flags win), then ${ENV} expansion, then validation.
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { hasTimeUnit, parseDuration } from './duration.ts';
import { UsageError } from './errors.ts';
import { jsonErrorOffset, lineColumn } from './json-position.ts';
import { parseThreshold } from './rule.ts';
import { ARRIVALS } from './schedule.ts';
import { ShardSchema } from './shard.ts';
import { DEFAULT_SIMULATOR } from './simulator.ts';
import { DEFAULT_TRANSPORT, RETIRED_TRANSPORTS, TRANSPORT_NAMES } from './transport.ts';
import { TOKENIZERS } from './tokenizer.ts';

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
  /** Estimate output tokens with this tokenizer when the server reports no usage. */
  tokenizer: z.enum(TOKENIZERS).optional(),
  output: z.string().optional(),
  lang: z.enum(['en', 'zh']).default('en'),
  quiet: z.boolean().default(false),
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
}

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
  return parsed as Record<string, unknown>;
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
    merged[key] = key === 'sweep' && base && typeof base === 'object' ? { ...base, ...(value as object) } : value;
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
};

/** Validates merged config input; `fromFlags` names the fields a flag set (errors then name the flag). */
export function validateConfig(input: unknown, source: string, fromFlags: readonly string[] = []): Config {
  const result = ConfigSchema.safeParse(input);
  if (result.success) return withRunSeed(result.data);
  // Only when every problem is a flag's is the file not to blame.
  const allFromFlags = result.error.issues.every((issue) => fromFlags.includes(String(issue.path[0] ?? '')));
  const problems = result.error.issues.map((issue) => {
    const field = String(issue.path[0] ?? '');
    const flag = fromFlags.includes(field) ? FLAG_FOR_FIELD[field as keyof Config] : undefined;
    const fieldPath = issue.path.map(String).join('.') || '(root)';
    const path = flag ? `${flag} (${fieldPath})` : fieldPath;
    return issue.code === 'unrecognized_keys'
      ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${path === '(root)' ? '' : ` in ${path}`}`
      : `${path}: ${issue.message}`;
  });
  const what = source === 'flags' || allFromFlags ? 'invalid option' : `invalid config (${source})`;
  throw new UsageError(`${what}: ${problems.join('; ')}`);
}

/** Open loop: requests arrive at a rate (rate, or a rate sweep) instead of a fixed concurrency. */
export function isOpenLoop(config: Pick<Config, 'rate' | 'sweep'>): boolean {
  return config.rate !== undefined || config.sweep?.parameter === 'rate';
}

/**
 * One seed feeds every random choice of a run (the data shuffle, the open-loop
 * arrival schedule): when the run makes one and no seed is given, pick it here,
 * once, so both use the same and the results record it.
 */
function withRunSeed(config: Config): Config {
  if (config.seed !== undefined || !(config.shuffle || isOpenLoop(config))) return config;
  if (config.shard !== undefined) {
    // Each shard would pick its own: the rows would be shuffled differently, and the configs would not match.
    throw new UsageError(`--shard with ${config.shuffle ? 'shuffle' : 'rate'} needs a seed (--seed), the same in every shard`);
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
    .map(([key]) => key);
  const config = validateConfig(merged, source, fromFlags);
  return { config, baseDir: path ? dirname(path) : options.cwd, source, expandedValues };
}

export function isSimulatedUrl(url: string): boolean {
  return url.startsWith(SIM_SCHEME);
}
