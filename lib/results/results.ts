/**
 * The results file: a versioned zod schema, the contract that run writes and
 * summarize / compare read. A superset of the original tool's JSON (config / summary /
 * metrics with ttft, total_time, total_tokens, tokens_per_second, error), plus
 * each request's raw timestamps so every metric can be derived again.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parseJsonWithPosition } from '../config/config.ts';
import { UsageError } from '../record/errors.ts';
import { outputTokens, outputTokenSource, TOKEN_SOURCES, tokensPerSecond, totalTime, ttft } from '../stats/metrics.ts';
import { ERROR_KINDS, type Records, type RequestRecord } from '../record/record.ts';
import type { SelfCheck } from '../stats/selfcheck.ts';
import type { Slo } from '../stats/goodput.ts';
import type { RunSummary } from '../stats/summary.ts';
import type { SweepResults } from '../load/sweep.ts';
import { timeseries } from '../stats/timeseries.ts';
import { summarizeTurns, type TurnSummary } from '../stats/turns.ts';

export const SCHEMA_VERSION = 1;

const ms = z.number();
const DistributionSchema = z.object({
  count: z.number(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  median: z.number(),
  std: z.number(),
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
});

// Loose objects: fields added by newer versions (or other issues) pass through a
// read and are kept when summarize re-writes the file.
export const MetricRowSchema = z.looseObject({
  request_id: z.int(),
  /** Seconds; null when the request failed. */
  ttft: z.number().nullable(),
  total_time: z.number().nullable(),
  total_tokens: z.int(),
  tokens_per_second: z.number().nullable(),
  /** The error message, or null: the original tool's field. */
  error: z.string().nullable(),
  error_kind: z.enum(ERROR_KINDS).nullable(),
  status: z.int().nullable(),
  error_body: z.string().optional(),
  /** The Retry-After header of an error response, as sent. */
  retry_after: z.string().optional(),
  /** The provider's error type or code of an in-stream error event. */
  error_code: z.string().optional(),
  /** Where total_tokens comes from: server usage, a tokenizer estimate, or counted token events. */
  token_source: z.enum(TOKEN_SOURCES),
  usage: z.object({ input_tokens: z.int().optional(), output_tokens: z.int().optional(), cached_input_tokens: z.int().optional() }).optional(),
  /** The prompt's tokens in the run's tokenizer (results.workload.tokenizer), generated or counted before sending. */
  prompt_tokens: z.int().optional(),
  /** The output tokens the request asked for (--output-tokens). */
  requested_output_tokens: z.int().optional(),
  /** Output tokens counted by --tokenizer over the generated text. */
  tokenizer_tokens: z.int().optional(),
  /** The protocol the response content-type picked (auto-detection on an unknown path). */
  protocol: z.string().optional(),
  reasoning_tokens: z.int(),
  end_marker: z.boolean(),
  bytes: z.int(),
  chunks: z.int(),
  /** Raw timestamps: ms since the run's origin (performance.now()). */
  timestamps: z.object({
    started: ms,
    headers: ms.nullable(),
    first_byte: ms.nullable(),
    first_token: ms.nullable(),
    first_answer: ms.nullable(),
    ended: ms,
  }),
  /** Arrival of each token event, ms since the run's origin. */
  token_times: z.array(ms),
  /** The data row (0-based, file order) that filled this request, with a data_source. */
  row_index: z.int().min(0).optional(),
  /** The request's group (config group_by), for per-group statistics. */
  group: z.string().optional(),
  /** The conversation it belongs to (1-based), in a run with --turns or a session trace. */
  session: z.int().min(1).optional(),
  /** Its turn in that conversation, 1-based. */
  turn: z.int().min(1).optional(),
  /** A warm-up request: recorded, but left out of the statistics. */
  warmup: z.boolean().optional(),
  /** When the schedule meant to send it, ms since the origin (closed loop: = timestamps.started). */
  intended_start: ms.optional(),
  /** The sweep level it ran at. */
  level: z.number().optional(),
  /** Sent without streaming: one JSON body, so no TTFT, TPOT or ITL. */
  non_streaming: z.literal(true).optional(),
  /** A retry of request_id (--retries): 2 for the first retry; absent on the first attempt. */
  attempt: z.int().min(2).optional(),
  /** In a merge of several files: the file (0-based, as given) and its own request_id. */
  source: z.object({ file: z.int(), request_id: z.int() }).optional(),
});
export type MetricRow = z.infer<typeof MetricRowSchema>;

const SummarySchema = z.looseObject({
  success_count: z.int(),
  failed_count: z.int(),
  total_requests: z.int(),
  wall_time: z.number(),
  requests_per_second: z.number(),
  ttft: DistributionSchema.optional(),
  total_time: DistributionSchema.optional(),
  tokens_per_second: DistributionSchema.optional(),
  errors: z.record(z.string(), z.int()),
  retries: z.int().optional(),
  recovered_by_retry: z.int().optional(),
  error_samples: z.record(z.string(), z.string()).optional(),
});

export const TimeseriesSchema = z.object({
  bucket_seconds: z.number().positive(),
  buckets: z.array(
    z.object({
      /** Bucket start, seconds since the run's origin. */
      t: z.number(),
      started: z.number(),
      completed: z.number(),
      failed: z.number(),
      output_tokens: z.number(),
      in_flight: z.number(),
    }),
  ),
});
export type Timeseries = z.infer<typeof TimeseriesSchema>;

export const SweepSchema = z.object({
  parameter: z.enum(['concurrency', 'rate']),
  levels: z.array(z.object({ value: z.number(), summary: SummarySchema, stopped_reason: z.string().optional() })),
  stopped_early: z.string().optional(),
});
export type Sweep = z.infer<typeof SweepSchema>;

/** A run with conversations: the per-turn table and per-conversation totals (stats/turns.ts), derived from the rows. */
export const TurnsSchema = z.object({
  by_turn: z.array(
    z.object({
      turn: z.int().min(1),
      requests: z.int(),
      failed: z.int(),
      ttft: DistributionSchema.optional(),
      total_time: DistributionSchema.optional(),
      input_tokens: DistributionSchema.optional(),
      cached_input_tokens: DistributionSchema.optional(),
    }),
  ),
  conversations: z.object({
    conversations: z.int(),
    ended_by_failure: z.int(),
    turns: DistributionSchema,
    duration: DistributionSchema,
    input_tokens: DistributionSchema.optional(),
    output_tokens: DistributionSchema,
  }),
});
export type TurnsResult = z.infer<typeof TurnsSchema>;

/** Which data a run used: compare checks two runs used the same rows. */
export const DatasetSchema = z.object({
  file: z.string(),
  sha256: z.string(),
  rows: z.int(),
  columns: z.array(z.string()),
});

export const SelfcheckSchema = z.object({
  event_loop_delay_p99_ms: z.number(),
  cpu_percent: z.number(),
  client_bound: z.boolean(),
  /** What scraping the server's metrics cost the client (--server-metrics). */
  server_metrics: z.object({ scrapes: z.int(), busy_ms: z.number(), max_block_ms: z.number(), bytes: z.number() }).optional(),
});

const LabelsSchema = z.record(z.string(), z.string());
/** The server's own metrics (lib/server-metrics/block.ts, docs/server-metrics.md); versioned on its own. */
export const ServerMetricsResultSchema = z.looseObject({
  version: z.int(),
  interval_seconds: z.number(),
  endpoints: z.array(
    z.looseObject({
      url: z.string(),
      server: z.string().nullable(),
      scrapes: z.looseObject({ ok: z.int(), failed: z.int(), first_t: z.number().nullable(), last_t: z.number().nullable(), covers_run: z.boolean() }),
      failures: z.array(z.object({ t: z.number(), error: z.string() })),
      metrics: z.record(
        z.string(),
        z.looseObject({ type: z.enum(['gauge', 'counter', 'histogram', 'summary']), series: z.array(z.looseObject({ labels: LabelsSchema })) }),
      ),
      timeseries: z.looseObject({
        t: z.array(z.number()),
        series: z.array(z.looseObject({ metric: z.string(), labels: LabelsSchema, stat: z.string(), values: z.array(z.number().nullable()) })),
      }),
    }),
  ),
});

/** Which part of a sharded run this file holds (see lib/shard.ts). */
export const ShardResultSchema = z.object({
  index: z.int().min(0),
  count: z.int().min(1),
  /** Actual start - requested --start-at, ms, on this copy's wall clock. */
  clock_offset_ms: z.number().optional(),
});
export type ShardResult = z.infer<typeof ShardResultSchema>;

export const ThresholdOutcomeSchema = z.object({
  rule: z.string(),
  observed: z.number().nullable(),
  pass: z.boolean(),
});

/** Where a merged file's requests came from: one entry per input file, in the order given. */
export const MergedFromSchema = z.object({
  file: z.string(),
  started_at: z.string(),
  /** Added to the file's timestamps to put them on the merged origin. */
  offset_ms: z.number(),
  requests: z.int(),
  /** Failed requests of this file. */
  failed: z.int().optional(),
  /** This file's own TTFT P50, seconds; null when none of its requests succeeded. */
  ttft_p50: z.number().nullable().optional(),
  /** The file's shard, when it is one. */
  shard: ShardResultSchema.optional(),
});
export type MergedFrom = z.infer<typeof MergedFromSchema>;

/** Files that were not written by run, converted on read. */
export const IMPORTED_FROM = ['seed-json', 'jsonl'] as const;

export const ResultsSchema = z.looseObject({
  schema_version: z.literal(SCHEMA_VERSION),
  tool: z.object({ name: z.literal('streambench'), version: z.string() }),
  /** The run's config with secrets redacted, and its wall-clock start. */
  config: z.looseObject({
    url: z.string(),
    concurrency: z.number(),
    total_requests: z.number(),
    timestamp: z.string(),
  }),
  run: z.object({
    started_at: z.string(),
    protocol: z.string(),
    transport: z.string(),
    /** HTTP/2 was offered to the server (--http2). */
    http2: z.boolean().optional(),
    /** The proxy the requests went through (credentials hidden). */
    proxy: z.string().optional(),
    interrupted: z.boolean(),
    node: z.string(),
    platform: z.string(),
    imported_from: z.enum(IMPORTED_FROM).optional(),
    /** The requested common start (--start-at), ISO. */
    start_at: z.string().optional(),
  }),
  summary: SummarySchema,
  metrics: z.array(MetricRowSchema),
  /** Per-second load over the run (optional: charts derive it from the rows when absent). */
  timeseries: TimeseriesSchema.optional(),
  /** A sweep's levels, each with its own summary. */
  sweep: SweepSchema.optional(),
  /** A run with conversations: results by turn index and per conversation. */
  turns: TurnsSchema.optional(),
  /** Whether the load generator itself was the bottleneck. */
  selfcheck: SelfcheckSchema.optional(),
  /** The data file the run's requests were filled from. */
  dataset: DatasetSchema.optional(),
  /** Which part of a sharded run this file holds. */
  shard: ShardResultSchema.optional(),
  /** run's threshold outcomes. */
  thresholds: z.array(ThresholdOutcomeSchema).optional(),
  /** The server's own Prometheus metrics, scraped during the run (--server-metrics). */
  server_metrics: ServerMetricsResultSchema.optional(),
  merged_from: z.array(MergedFromSchema).optional(),
  /** The workload (docs/workloads.md): the tokenizer that sized or counted the prompts, lengths asked for, prefixes, a prompt dataset. */
  workload: z.looseObject({ tokenizer: z.string() }).optional(),
});
export type Results = z.infer<typeof ResultsSchema>;

/** The SLOs a run used (config.slo, in seconds), for recomputing goodput from a file. */
export function sloOf(config: Results['config']): Slo | undefined {
  const slo = config.slo;
  if (!slo || typeof slo !== 'object') return undefined;
  const out: Slo = {};
  for (const key of ['ttft', 'tpot', 'e2e'] as const) {
    const value = (slo as Record<string, unknown>)[key];
    if (typeof value === 'number') out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Timestamps are kept to the microsecond (3 decimals of ms). */
export const round3 = (value: number) => Math.round(value * 1000) / 1000;
/** Seconds are kept to the microsecond; undefined (unknown) becomes null. */
export const round6 = (value: number | undefined) => (value === undefined ? null : Math.round(value * 1e6) / 1e6);
const orNull = (value: number | undefined) => (value === undefined ? null : round3(value));

export function recordToRow(r: RequestRecord): MetricRow {
  const row: MetricRow = {
    request_id: r.id,
    ttft: round6(ttft(r)),
    total_time: round6(totalTime(r)),
    total_tokens: outputTokens(r),
    tokens_per_second: round6(tokensPerSecond(r)),
    error: r.error?.message ?? null,
    error_kind: r.error?.kind ?? null,
    status: r.status ?? null,
    token_source: outputTokenSource(r),
    reasoning_tokens: r.reasoningTokens,
    end_marker: r.sawEndMarker,
    bytes: r.bytes,
    chunks: r.chunks,
    timestamps: {
      started: round3(r.startedAt),
      headers: orNull(r.headersAt),
      first_byte: orNull(r.firstByteAt),
      first_token: orNull(r.firstTokenAt),
      first_answer: orNull(r.firstAnswerAt),
      ended: round3(r.endedAt),
    },
    token_times: r.tokenTimes.map(round3),
  };
  // Written when known (every run knows them), so rows from older or imported files round-trip unchanged.
  if (r.intendedAt !== undefined) row.intended_start = round3(r.intendedAt);
  if (r.warmup !== undefined) row.warmup = r.warmup;
  if (r.attempt !== undefined) row.attempt = r.attempt;
  if (r.level !== undefined) row.level = r.level;
  if (r.nonStreaming) row.non_streaming = true;
  if (r.error?.body !== undefined) row.error_body = r.error.body;
  if (r.error?.retryAfter !== undefined) row.retry_after = r.error.retryAfter;
  if (r.error?.code !== undefined) row.error_code = r.error.code;
  if (r.tokenizerTokens !== undefined) row.tokenizer_tokens = r.tokenizerTokens;
  if (r.protocol !== undefined) row.protocol = r.protocol;
  if (r.rowIndex !== undefined) row.row_index = r.rowIndex;
  if (r.group !== undefined) row.group = r.group;
  if (r.session !== undefined) row.session = r.session;
  if (r.turn !== undefined) row.turn = r.turn;
  if (r.usage) {
    row.usage = {};
    if (r.usage.inputTokens !== undefined) row.usage.input_tokens = r.usage.inputTokens;
    if (r.usage.outputTokens !== undefined) row.usage.output_tokens = r.usage.outputTokens;
    if (r.usage.cachedInputTokens !== undefined) row.usage.cached_input_tokens = r.usage.cachedInputTokens;
  }
  if (r.promptTokens !== undefined) row.prompt_tokens = r.promptTokens;
  if (r.requestedOutputTokens !== undefined) row.requested_output_tokens = r.requestedOutputTokens;
  return row;
}

export function rowToRecord(row: MetricRow): RequestRecord {
  const t = row.timestamps;
  const record: RequestRecord = {
    id: row.request_id,
    startedAt: t.started,
    tokenTimes: row.token_times,
    reasoningTokens: row.reasoning_tokens,
    endedAt: t.ended,
    bytes: row.bytes,
    chunks: row.chunks,
    sawEndMarker: row.end_marker,
  };
  if (t.headers !== null) record.headersAt = t.headers;
  if (t.first_byte !== null) record.firstByteAt = t.first_byte;
  if (t.first_token !== null) record.firstTokenAt = t.first_token;
  if (t.first_answer !== null) record.firstAnswerAt = t.first_answer;
  if (row.intended_start !== undefined) record.intendedAt = row.intended_start;
  if (row.warmup !== undefined) record.warmup = row.warmup;
  if (row.attempt !== undefined) record.attempt = row.attempt;
  if (row.level !== undefined) record.level = row.level;
  if (row.non_streaming) record.nonStreaming = true;
  if (row.status !== null) record.status = row.status;
  if (row.row_index !== undefined) record.rowIndex = row.row_index;
  if (row.group !== undefined) record.group = row.group;
  if (row.session !== undefined) record.session = row.session;
  if (row.turn !== undefined) record.turn = row.turn;
  if (row.usage) {
    record.usage = { inputTokens: row.usage.input_tokens, outputTokens: row.usage.output_tokens };
    if (row.usage.cached_input_tokens !== undefined) record.usage.cachedInputTokens = row.usage.cached_input_tokens;
  }
  if (row.prompt_tokens !== undefined) record.promptTokens = row.prompt_tokens;
  if (row.requested_output_tokens !== undefined) record.requestedOutputTokens = row.requested_output_tokens;
  if (row.tokenizer_tokens !== undefined) record.tokenizerTokens = row.tokenizer_tokens;
  if (row.protocol !== undefined) record.protocol = row.protocol;
  if (row.error_kind !== null) {
    record.error = { kind: row.error_kind, message: row.error ?? row.error_kind };
    if (row.status !== null && row.error_kind === 'http') record.error.status = row.status;
    if (row.error_body !== undefined) record.error.body = row.error_body;
    if (row.retry_after !== undefined) record.error.retryAfter = row.retry_after;
    if (row.error_code !== undefined) record.error.code = row.error_code;
  }
  return record;
}

export interface ResultsInput {
  config: Record<string, unknown> & { url: string; concurrency: number; total_requests: number };
  startedAt: Date;
  protocol: string;
  transport: string;
  http2?: boolean;
  proxy?: string;
  interrupted: boolean;
  version: string;
  summary: RunSummary;
  records: Records;
  selfcheck?: SelfCheck;
  sweep?: SweepResults;
  /** The requested common start (--start-at). */
  startAt?: Date;
  shard?: ShardResult;
  dataset?: z.infer<typeof DatasetSchema>;
  workload?: { tokenizer: string };
}

export function buildResults(input: ResultsInput): Results {
  return { ...buildResultsHead(input), metrics: recordsToRows(input.records) };
}

export function recordsToRows(records: Records): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const record of records) rows.push(recordToRow(record));
  return rows;
}

/**
 * Everything of the results but the per-request rows (`metrics` is empty):
 * serializeResults streams the rows in. Fields derived from the records
 * (timeseries) are computed here.
 */
export function buildResultsHead(input: ResultsInput): Results {
  const results: Results = {
    schema_version: SCHEMA_VERSION,
    tool: { name: 'streambench', version: input.version },
    config: { ...input.config, timestamp: input.startedAt.toISOString() },
    run: {
      started_at: input.startedAt.toISOString(),
      protocol: input.protocol,
      transport: input.transport,
      interrupted: input.interrupted,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    summary: input.summary as unknown as Results['summary'],
    metrics: [],
    timeseries: timeseries(input.records),
    ...(input.sweep ? { sweep: input.sweep as unknown as Results['sweep'] } : {}),
    ...(input.dataset ? { dataset: input.dataset } : {}),
    ...(input.workload ? { workload: input.workload } : {}),
  };
  if (input.http2 !== undefined) results.run.http2 = input.http2;
  if (input.proxy !== undefined) results.run.proxy = input.proxy;
  const turns = summarizeTurns(input.records);
  if (turns) results.turns = turnsResult(turns);
  if (input.selfcheck) results.selfcheck = input.selfcheck;
  if (input.startAt) results.run.start_at = input.startAt.toISOString();
  if (input.shard) results.shard = input.shard;
  return results;
}

/** The per-turn results as the results file keeps them (no samples). */
export function turnsResult(turns: TurnSummary): TurnsResult {
  return {
    by_turn: turns.by_turn.map(({ turn, summary, input_tokens, cached_input_tokens }) => ({
      turn,
      requests: summary.total_requests,
      failed: summary.failed_count,
      ...(summary.ttft ? { ttft: summary.ttft } : {}),
      ...(summary.total_time ? { total_time: summary.total_time } : {}),
      ...(input_tokens ? { input_tokens } : {}),
      ...(cached_input_tokens ? { cached_input_tokens } : {}),
    })),
    conversations: turns.conversations,
  };
}

/** Writes to a temp file in the same folder, then renames: readers never see half a file. */
export async function writeFileAtomic(path: string, content: string | Iterable<string>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: a string is an iterable of strings too, and writeFile takes either: same bytes
    if (typeof content === 'string') {
      await writeFile(temp, content);
    } else {
      const file = await open(temp, 'w');
      try {
        for (const part of content) await file.write(part);
      } finally {
        await file.close();
      }
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

const METRICS_SLOT = '\u0000streambench-metrics\u0000';
/**
 * Small enough that a batch is written before a young-generation collection
 * promotes its row strings to the old generation: 1 MB batches grew a
 * 100,000-request run's heap by ~60 MB of dead strings while writing.
 */
const WRITE_BATCH_CHARS = 1 << 16;

/**
 * The results file's JSON text in pieces: `results` (its own `metrics` ignored)
 * with one row per record streamed in, `transform` (redaction) applied to the
 * head and to each row. The same JSON as JSON.stringify(transform(...)) of the
 * whole, but a 100,000-request run never holds every row, a redacted copy and
 * one giant string at once.
 */
export function* serializeResults(
  results: Results,
  records: Records,
  transform: <T>(value: T) => T = (value) => value,
): Generator<string> {
  const head = transform({ ...results, metrics: [] }) as Omit<Results, 'metrics'> & { metrics: unknown };
  head.metrics = METRICS_SLOT;
  const text = JSON.stringify(head);
  const slotText = JSON.stringify(METRICS_SLOT);
  const slot = text.lastIndexOf(slotText);
  let batch = text.slice(0, slot) + '[';
  let separator = '';
  for (const record of records) {
    batch += separator + JSON.stringify(transform(recordToRow(record)));
    separator = ',';
    // Stryker disable next-line ConditionalExpression,EqualityOperator: where the text is cut into pieces changes memory, not the text
    if (batch.length >= WRITE_BATCH_CHARS) {
      yield batch;
      batch = '';
    }
  }
  yield batch + ']' + text.slice(slot + slotText.length) + '\n';
}

/** Upgrades from an older schema_version to the next one; none exist yet (version 1 is the first). */
const MIGRATIONS: Partial<Record<number, (old: Record<string, unknown>) => Record<string, unknown>>> = {};

/** Reads a streambench results JSON (any schema version that can be migrated); other formats: results-load.ts. */
export async function readResults(path: string): Promise<Results> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read results file ${path}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`);
  }
  return parseResults(parseJsonWithPosition(text.replace(/^\uFEFF/, ''), path), path);
}

/** Validates a parsed results JSON against the versioned schema, migrating older versions. */
export function parseResults(json: unknown, source: string): Results {
  if (!isObject(json) || !('schema_version' in json)) {
    throw new UsageError(
      `${source} is not a streambench results file (no schema_version, and not the original tool's config/summary/metrics shape)`,
    );
  }
  let current: Record<string, unknown> = json;
  const declared = current.schema_version;
  if (typeof declared !== 'number' || !Number.isInteger(declared)) {
    throw new UsageError(`${source}: schema_version must be an integer, got ${JSON.stringify(declared)}`);
  }
  let version = declared;
  if (version > SCHEMA_VERSION) {
    throw new UsageError(
      `${source} has results schema_version ${version}, newer than this streambench reads (${SCHEMA_VERSION}): upgrade streambench`,
    );
  }
  while (version < SCHEMA_VERSION) {
    const migrate = MIGRATIONS[version];
    if (!migrate) {
      throw new UsageError(
        `${source} has results schema_version ${version}, which this streambench cannot migrate to ${SCHEMA_VERSION}: re-run the test`,
      );
    }
    current = migrate(current);
    version = current.schema_version as number;
  }
  const parsed = ResultsSchema.safeParse(current);
  if (!parsed.success) {
    throw new UsageError(`${source} is not a valid streambench results file (${describeIssue(parsed.error)})`);
  }
  return parsed.data;
}

/** The first problem zod found, as `field.path: message`. */
export function describeIssue(error: z.ZodError): string {
  const first = error.issues[0];
  return first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'schema mismatch';
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
