/**
 * Everything a report is drawn from, gathered once: the run command builds it
 * from what it just measured, summarize and the HTML report from a results
 * file. The sections (sections.ts) read only this. A new kind of result (the
 * server's metrics, per-turn tables) adds one optional field here, filled in
 * both places below, and one section that reads it.
 */
import type { Records } from '../record/record.ts';
import type { ServerMetricsBlock } from '../server-metrics/block.ts';
import { summarizeTurns, type TurnSummary } from '../stats/turns.ts';
import { rowToRecord, sloOf, type MergedFrom, type Results } from '../results/results.ts';
import type { SweepResults } from '../load/sweep.ts';
import { summarizeGroups, type GroupSummary } from '../stats/groups.ts';
import type { SelfCheck } from '../stats/selfcheck.ts';
import { collectSamples, summarize, type MetricSamples, type RunSummary } from '../stats/summary.ts';

/** A few failed requests of one kind, as examples. */
export interface ErrorExample {
  status?: number;
  message: string;
  body?: string;
}

export interface ReportData {
  /** Of every measured request (every level of a sweep, pooled). */
  summary: RunSummary;
  /** The run's config as recorded (secrets redacted): the report's config line reads url, load shape and SLOs from it. */
  config?: Results['config'];
  run?: { protocol: string; transport: string; interrupted: boolean; started_at?: string };
  /** Per-request samples (the text report's TTFT histogram); absent: no histogram. */
  samples?: MetricSamples;
  sweep?: SweepResults;
  groups?: { by: string; rows: readonly GroupSummary[] };
  /** The files a merged report came from. */
  shards?: readonly MergedFrom[];
  selfcheck?: SelfCheck;
  /** Threshold outcomes as recorded in the results. */
  thresholds?: ReadonlyArray<{ rule: string; observed: number | null; pass: boolean }>;
  /** The server's own metrics, scraped during the run (--server-metrics). */
  server?: ServerMetricsBlock;
  /** Per-turn results of a run with conversations. */
  turns?: TurnSummary;
  /** Up to three distinct failures per error kind, in order of appearance. */
  errorExamples?: Readonly<Record<string, readonly ErrorExample[]>>;
}

export const MAX_EXAMPLES_PER_KIND = 3;

/** Distinct failures (message and body) per kind, at most `max` each; warm-up requests are left out. */
export function errorExamples(records: Records, max = MAX_EXAMPLES_PER_KIND): Record<string, ErrorExample[]> {
  const byKind: Record<string, ErrorExample[]> = {};
  const seen = new Set<string>();
  for (const r of records) {
    if (!r.error || r.warmup) continue;
    const list = (byKind[r.error.kind] ??= []);
    const key = `${r.error.kind}\u0000${r.error.message}\u0000${r.error.body ?? ''}`;
    if (list.length >= max || seen.has(key)) continue;
    seen.add(key);
    const example: ErrorExample = { message: r.error.message };
    if (r.status !== undefined) example.status = r.status;
    if (r.error.body !== undefined) example.body = r.error.body;
    list.push(example);
  }
  return byKind;
}

/**
 * A results file as report data. `records`, `summary` and `samples` when the caller already has them
 * (summarize's merge); otherwise derived from the rows.
 */
export function reportDataFromResults(
  results: Results,
  derived: { records?: Records; summary?: RunSummary; samples?: MetricSamples } = {},
): ReportData {
  const records = derived.records ?? results.metrics.map(rowToRecord);
  const samples = derived.samples ?? collectSamples(records);
  const summary = derived.summary ?? summarize(records, { samples, slo: sloOf(results.config) });
  const groupBy = typeof results.config.group_by === 'string' ? results.config.group_by : undefined;
  const groups = summarizeGroups(records);
  const data: ReportData = {
    summary,
    config: results.config,
    run: results.run,
    samples,
    errorExamples: errorExamples(records),
  };
  if (groups.length > 0) data.groups = { by: groupBy ?? 'group', rows: groups };
  if (results.sweep) data.sweep = results.sweep as unknown as SweepResults;
  if (results.merged_from && results.merged_from.length > 1) data.shards = results.merged_from;
  if (results.selfcheck) data.selfcheck = results.selfcheck as SelfCheck;
  if (results.server_metrics) data.server = results.server_metrics as unknown as ServerMetricsBlock;
  const turns = summarizeTurns(records);
  if (turns) data.turns = turns;
  if (results.thresholds && results.thresholds.length > 0) data.thresholds = results.thresholds;
  return data;
}
