/**
 * The results file: a versioned zod schema, the contract that run writes and
 * summarize / compare read. A superset of the seed's JSON (config / summary /
 * metrics with ttft, total_time, total_tokens, tokens_per_second, error), plus
 * each request's raw timestamps so every metric can be derived again.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { UsageError } from './errors.ts';
import { outputTokens, outputTokenSource, tokensPerSecond, totalTime, ttft } from './metrics.ts';
import { ERROR_KINDS, type RequestRecord } from './record.ts';
import type { RunSummary } from './summary.ts';
import type { SweepResults } from './sweep.ts';
import { timeseries } from './timeseries.ts';

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

export const MetricRowSchema = z.object({
  request_id: z.int(),
  /** Seconds; null when the request failed. */
  ttft: z.number().nullable(),
  total_time: z.number().nullable(),
  total_tokens: z.int(),
  tokens_per_second: z.number().nullable(),
  /** The error message, or null: the seed's field. */
  error: z.string().nullable(),
  error_kind: z.enum(ERROR_KINDS).nullable(),
  status: z.int().nullable(),
  error_body: z.string().optional(),
  token_source: z.enum(['usage', 'events']),
  usage: z.object({ input_tokens: z.int().optional(), output_tokens: z.int().optional() }).optional(),
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
  /** When the schedule meant to send it, ms since the origin (closed loop: = timestamps.started). */
  intended_start: ms.optional(),
  /** A warm-up request: left out of the summary. */
  warmup: z.boolean().optional(),
  /** The sweep level it ran at. */
  level: z.number().optional(),
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
  error_samples: z.record(z.string(), z.string()).optional(),
});

const TimeseriesSchema = z.object({
  bucket_seconds: z.number(),
  buckets: z.array(
    z.object({
      t: z.number(),
      started: z.int(),
      completed: z.int(),
      failed: z.int(),
      output_tokens: z.number(),
      in_flight: z.number(),
    }),
  ),
});

const SweepResultsSchema = z.object({
  parameter: z.enum(['concurrency', 'rate']),
  levels: z.array(z.object({ value: z.number(), summary: SummarySchema, stopped_reason: z.string().optional() })),
  stopped_early: z.string().optional(),
});

export const ResultsSchema = z.object({
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
    interrupted: z.boolean(),
    node: z.string(),
    platform: z.string(),
  }),
  summary: SummarySchema,
  metrics: z.array(MetricRowSchema),
  /** Per-second activity over the whole run (timeseries.ts). */
  timeseries: TimeseriesSchema.optional(),
  /** A sweep: one summary per level; `summary` above then covers every level's requests. */
  sweep: SweepResultsSchema.optional(),
});
export type Results = z.infer<typeof ResultsSchema>;

const round3 = (value: number) => Math.round(value * 1000) / 1000;
const round6 = (value: number | undefined) => (value === undefined ? null : Math.round(value * 1e6) / 1e6);
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
    intended_start: round3(r.intendedAt ?? r.startedAt),
    warmup: r.warmup === true,
  };
  if (r.level !== undefined) row.level = r.level;
  if (r.error?.body !== undefined) row.error_body = r.error.body;
  if (r.usage) {
    row.usage = {};
    if (r.usage.inputTokens !== undefined) row.usage.input_tokens = r.usage.inputTokens;
    if (r.usage.outputTokens !== undefined) row.usage.output_tokens = r.usage.outputTokens;
  }
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
  if (row.warmup) record.warmup = true;
  if (row.level !== undefined) record.level = row.level;
  if (row.status !== null) record.status = row.status;
  if (row.usage) record.usage = { inputTokens: row.usage.input_tokens, outputTokens: row.usage.output_tokens };
  if (row.error_kind !== null) {
    record.error = { kind: row.error_kind, message: row.error ?? row.error_kind };
    if (row.status !== null && row.error_kind === 'http') record.error.status = row.status;
    if (row.error_body !== undefined) record.error.body = row.error_body;
  }
  return record;
}

export interface ResultsInput {
  config: Record<string, unknown> & { url: string; concurrency: number; total_requests: number };
  startedAt: Date;
  protocol: string;
  transport: string;
  interrupted: boolean;
  version: string;
  summary: RunSummary;
  records: readonly RequestRecord[];
  sweep?: SweepResults;
}

export function buildResults(input: ResultsInput): Results {
  return {
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
    metrics: input.records.map(recordToRow),
    timeseries: timeseries(input.records),
    ...(input.sweep ? { sweep: input.sweep as unknown as Results['sweep'] } : {}),
  };
}

/** Writes to a temp file in the same folder, then renames: readers never see half a file. */
export async function writeFileAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, content);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export async function readResults(path: string): Promise<Results> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read results file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not JSON, so not a streambench results file`);
  }
  const version = (json as { schema_version?: unknown } | null)?.schema_version;
  if (version !== undefined && version !== SCHEMA_VERSION) {
    throw new UsageError(`${path} has results schema_version ${String(version)}; this streambench reads version ${SCHEMA_VERSION}`);
  }
  const parsed = ResultsSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UsageError(
      `${path} is not a streambench results file (${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'schema mismatch'})`,
    );
  }
  return parsed.data;
}
