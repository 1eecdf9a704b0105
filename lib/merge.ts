/**
 * Merging results files (shards of one test run, on one or several machines)
 * into one set of requests and one summary. Percentiles come from the union
 * of the per-request samples (summarize() over all records), never from
 * averaging percentiles; wall time runs from the earliest start to the latest
 * end.
 *
 * Each file's timestamps are ms since its own origin, so they are moved onto
 * a common origin: the earliest `run.started_at` (wall clock), corrected by
 * `shard.clock_offset_ms` when a file records one. Wall clocks of different
 * machines disagree (NTP keeps them within a few ms, a bad clock by seconds):
 * that skew shifts whole files against each other, so it can stretch or
 * shrink the merged wall time and throughput, but it never changes a
 * per-request latency, which is measured on one machine's monotonic clock.
 */
import { comparabilityWarnings } from './comparability.ts';
import { UsageError } from './errors.ts';
import type { RequestRecord } from './record.ts';
import { round3, rowToRecord, type MetricRow, type Results } from './results.ts';
import { collectSamples, summarize, type MetricSamples, type RunSummary } from './summary.ts';

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

  const origins = inputs.map(originOf);
  const common = Math.min(...origins);
  const shifted: Array<{ row: MetricRow; file: number }> = [];
  inputs.forEach((input, file) => {
    const offset = (origins[file] as number) - common;
    for (const row of input.results.metrics) shifted.push({ row: shiftRow(row, offset, file), file });
  });
  // Ids in send order across all files, as in a single run.
  shifted.sort((a, b) => a.row.timestamps.started - b.row.timestamps.started || a.file - b.file);
  shifted.forEach((item, i) => (item.row.request_id = i + 1));

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

  const merged: Results = {
    schema_version: first.results.schema_version,
    tool: first.results.tool,
    config: {
      ...first.results.config,
      // Shards run side by side: their concurrencies and request counts add up.
      concurrency: sum(all.map((r) => r.config.concurrency)),
      total_requests: sum(all.map((r) => r.config.total_requests)),
      timestamp: startedAt,
    },
    run,
    summary: first.results.summary,
    metrics: [],
    merged_from: inputs.map((input, file) => ({
      file: input.name,
      started_at: input.results.run.started_at,
      offset_ms: (origins[file] as number) - common,
      requests: input.results.metrics.length,
    })),
  };
  const dataset = same((r) => r.dataset?.sha256);
  if (dataset !== 'mixed' && first.results.dataset) merged.dataset = first.results.dataset;

  const warnings = [
    ...inputs
      .slice(1)
      .flatMap((input) =>
        comparabilityWarnings(first.results, input.results, [first.name, input.name], ['url', 'model', 'protocol', 'dataset']),
      ),
    ...shardWarnings(inputs),
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
  const summary = summarize(records, { samples });
  results.metrics = rows;
  results.summary = summary as unknown as Results['summary'];
  return { results, records, fileIndex, samples, summary, warnings };
}

/** The file's origin on the common wall clock, ms since the epoch. */
function originOf(input: MergeInput): number {
  const time = Date.parse(input.results.run.started_at);
  if (Number.isNaN(time)) {
    throw new UsageError(`${input.name}: run.started_at ${JSON.stringify(input.results.run.started_at)} is not an ISO time`);
  }
  return time - (input.results.shard?.clock_offset_ms ?? 0);
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

function shardWarnings(inputs: readonly MergeInput[]): string[] {
  const sharded = inputs.filter((input) => input.results.shard);
  if (sharded.length === 0) return [];
  const warnings: string[] = [];
  const seen = new Map<number, string>();
  const counts = new Set<number>();
  for (const input of sharded) {
    const shard = input.results.shard!;
    counts.add(shard.count);
    const earlier = seen.get(shard.index);
    if (earlier !== undefined) warnings.push(`shard ${shard.index}/${shard.count} appears twice: ${earlier} and ${input.name}`);
    seen.set(shard.index, input.name);
  }
  if (counts.size > 1) warnings.push(`the files disagree on the shard count: ${[...counts].join(', ')}`);
  const count = Math.max(...counts);
  if (seen.size < count) warnings.push(`${seen.size} of ${count} shards given: the merged report covers part of the run`);
  return warnings;
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
