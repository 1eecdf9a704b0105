/**
 * Merging results files (shards of one test run, on one or several machines)
 * into one set of requests and one summary. Percentiles come from the union
 * of the per-request samples (summarize() over all records), never from
 * averaging percentiles; wall time runs from the earliest start to the latest
 * end.
 *
 * Each file's timestamps are ms since its own origin, so they are moved onto
 * a common origin: the earliest `run.started_at`, each file's wall clock when
 * its load began. Wall clocks of different machines disagree (NTP keeps them
 * within a few ms, a bad clock by seconds), and nothing in the files measures
 * that skew: it shifts whole files against each other, so it can stretch or
 * shrink the merged wall time and throughput, but it never changes a
 * per-request latency, which is measured on one machine's monotonic clock.
 * (`shard.clock_offset_ms` is how late a shard began after --start-at, on its
 * own clock: a real delay, kept, and shown in the per-shard table.)
 *
 * Shards of one run (files with `shard`) must be exactly that (lib/shard-set.ts):
 * their config is the whole run's, so it is kept, not summed, and their
 * request ids are already the run's global ids, so they are kept too.
 */
import { comparabilityWarnings } from './comparability.ts';
import { UsageError } from '../record/errors.ts';
import type { RequestRecord } from '../record/record.ts';
import { round3, rowToRecord, sloOf, turnsResult, type MergedFrom, type MetricRow, type Results } from './results.ts';
import { summarizeTurns } from '../stats/turns.ts';
import { checkShardSet, isShardSet } from './shard-set.ts';
import { collectSamples, summarize, type MetricSamples, type RunSummary } from '../stats/summary.ts';

export interface MergeInput {
  /** The file name, for messages and `merged_from`. */
  name: string;
  results: Results;
}

export interface MergedRun {
  /** The merged results file; for a single input, that file with its summary recomputed. */
  results: Results;
  records: RequestRecord[];
  /** For each record, the index of the input it came from. */
  fileIndex: number[];
  samples: MetricSamples;
  summary: RunSummary;
  /** Config differences between the files, shard gaps, files that do not overlap. */
  warnings: string[];
}

export function mergeResults(inputs: readonly MergeInput[]): MergedRun {
  const first = inputs[0];
  if (!first) throw new UsageError('no results files to merge');
  if (inputs.length === 1) {
    const rows = first.results.metrics;
    return finish({ ...first.results }, rows, rows.map(() => 0), []);
  }

  const sharded = isShardSet(inputs);
  const shardWarnings = sharded ? checkShardSet(inputs) : [];
  const origins = inputs.map(originOf);
  const common = Math.min(...origins);
  const shifted: Array<{ row: MetricRow; file: number }> = [];
  inputs.forEach((input, file) => {
    const offset = (origins[file] as number) - common;
    for (const row of input.results.metrics) shifted.push({ row: shiftRow(row, offset, file), file });
  });
  // In send order across all files, as in a single run. Shards' ids are already the run's; other files are numbered.
  shifted.sort(
    (a, b) => a.row.timestamps.started - b.row.timestamps.started || (sharded ? a.row.request_id - b.row.request_id : a.file - b.file),
  );
  if (!sharded) shifted.forEach((item, i) => (item.row.request_id = i + 1));

  const all = inputs.map((input) => input.results);
  const same = <T>(pick: (r: Results) => T): T | 'mixed' => {
    const values = new Set(all.map((r) => JSON.stringify(pick(r))));
    return values.size === 1 ? pick(first.results) : 'mixed';
  };
  const startedAt = new Date(common).toISOString();
  const run: Results['run'] = {
    started_at: startedAt,
    protocol: same((r) => r.run.protocol) as string,
    transport: same((r) => r.run.transport) as string,
    interrupted: all.some((r) => r.run.interrupted),
    node: same((r) => r.run.node) as string,
    platform: same((r) => r.run.platform) as string,
  };
  const imported = same((r) => r.run.imported_from);
  if (imported !== 'mixed' && imported !== undefined) run.imported_from = imported;
  const startAt = same((r) => r.run.start_at);
  if (startAt !== 'mixed' && startAt !== undefined) run.start_at = startAt;

  const merged: Results = {
    schema_version: first.results.schema_version,
    tool: first.results.tool,
    config: sharded
      ? // Every shard holds the whole run's config: that is the merged run's, without the shard.
        { ...withoutShard(first.results.config), timestamp: startedAt }
      : {
          ...first.results.config,
          // Runs side by side: their concurrencies and request counts add up.
          concurrency: sum(all.map((r) => r.config.concurrency)),
          total_requests: sum(all.map((r) => r.config.total_requests)),
          timestamp: startedAt,
        },
    run,
    summary: first.results.summary,
    metrics: [],
    merged_from: inputs.map((input, file) => sourceOf(input, (origins[file] as number) - common)),
  };
  const dataset = same((r) => r.dataset?.sha256);
  if (dataset !== 'mixed' && first.results.dataset) merged.dataset = first.results.dataset;

  const warnings = [
    ...inputs
      .slice(1)
      .flatMap((input) =>
        comparabilityWarnings(first.results, input.results, [first.name, input.name], ['url', 'model', 'protocol', 'dataset']),
      ),
    ...shardWarnings,
    ...overlapWarnings(shifted, inputs),
  ];
  return finish(
    merged,
    shifted.map((item) => item.row),
    shifted.map((item) => item.file),
    warnings,
  );
}

function finish(results: Results, rows: MetricRow[], fileIndex: number[], warnings: string[]): MergedRun {
  const records = rows.map(rowToRecord);
  const samples = collectSamples(records);
  // Goodput again from the recorded SLOs: the summary is recomputed, and would otherwise lose it.
  const summary = summarize(records, { samples, slo: sloOf(results.config) });
  results.metrics = rows;
  results.summary = summary as unknown as Results['summary'];
  // Derived from the rows, like the summary: a merge of shards gets the whole run's turns.
  const turns = summarizeTurns(records);
  if (turns) results.turns = turnsResult(turns);
  else delete results.turns;
  return { results, records, fileIndex, samples, summary, warnings };
}

/** The file's origin on the common wall clock, ms since the epoch. */
function originOf(input: MergeInput): number {
  const time = Date.parse(input.results.run.started_at);
  if (Number.isNaN(time)) {
    throw new UsageError(`${input.name}: run.started_at ${JSON.stringify(input.results.run.started_at)} is not an ISO time`);
  }
  return time;
}

/** One file's line in the per-shard table: its requests, failures and own TTFT P50, from its rows. */
function sourceOf(input: MergeInput, offsetMs: number): MergedFrom {
  const own = summarize(input.results.metrics.map(rowToRecord));
  const source: MergedFrom = {
    file: input.name,
    started_at: input.results.run.started_at,
    offset_ms: offsetMs,
    requests: own.total_requests,
    failed: own.failed_count,
    ttft_p50: own.ttft?.p50 ?? null,
  };
  if (input.results.shard) source.shard = input.results.shard;
  return source;
}

function withoutShard(config: Results['config']): Results['config'] {
  const { shard: _shard, ...rest } = config;
  return rest as Results['config'];
}

function shiftRow(row: MetricRow, offset: number, file: number): MetricRow {
  const move = (value: number) => round3(value + offset);
  const moveOrNull = (value: number | null) => (value === null ? null : move(value));
  const t = row.timestamps;
  const shifted: MetricRow = {
    ...row,
    source: { file, request_id: row.request_id },
    timestamps: {
      started: move(t.started),
      headers: moveOrNull(t.headers),
      first_byte: moveOrNull(t.first_byte),
      first_token: moveOrNull(t.first_token),
      first_answer: moveOrNull(t.first_answer),
      ended: move(t.ended),
    },
    token_times: row.token_times.map(move),
  };
  if (row.intended_start !== undefined) shifted.intended_start = move(row.intended_start);
  return shifted;
}

/** A file whose requests do not overlap any other file's in time is probably a separate run, not a shard. */
function overlapWarnings(shifted: ReadonlyArray<{ row: MetricRow; file: number }>, inputs: readonly MergeInput[]): string[] {
  const spans = inputs.map(() => ({ start: Infinity, end: -Infinity }));
  for (const { row, file } of shifted) {
    const span = spans[file]!;
    span.start = Math.min(span.start, row.timestamps.started);
    span.end = Math.max(span.end, row.timestamps.ended);
  }
  return spans.flatMap((span, i) =>
    spans.some((other, j) => j !== i && other.start < span.end && span.start < other.end)
      ? []
      : [`${inputs[i]!.name} does not overlap the other files in time: the merged wall time includes the gap and throughput is diluted`],
  );
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
