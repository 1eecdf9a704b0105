/**
 * Sweeps: the same load at several levels of concurrency or rate, one after
 * another in one invocation, stopping early once a level saturates (its error
 * rate or TTFT p99 passes a limit). All levels share one time origin and one
 * id sequence, so their records live side by side in one results file, each
 * tagged with its level (by the level runner, as each request completes).
 */
import { UsageError } from '../record/errors.ts';
import type { Records } from '../record/record.ts';
import { RecordStore } from '../record/record-store.ts';
import type { LoadResult } from './runner.ts';
import type { RunSummary } from '../stats/summary.ts';

export type SweepParameter = 'concurrency' | 'rate';

export interface SweepSpec {
  parameter: SweepParameter;
  values: number[];
  /** 0..1 */
  max_error_rate: number;
  /** Seconds. */
  max_ttft_p99?: number;
}

export interface SweepLevel {
  value: number;
  summary: RunSummary;
  /** Why the sweep stopped after this level. */
  stopped_reason?: string;
}

/** The results file's `sweep` field. */
export interface SweepResults {
  parameter: SweepParameter;
  levels: SweepLevel[];
  /** Set when levels were left untested: saturation or an interrupt. */
  stopped_early?: string;
}

export interface SweepRun {
  sweep: SweepResults;
  /** Every level's records, ids unique across levels. */
  records: RecordStore;
  origin: number;
  startedAt: Date;
  interrupted: boolean;
  unsent: number;
}

/**
 * Runs one level, its records tagged with `level` = value; `origin` and
 * `firstId` continue the previous level's (undefined for the first).
 */
export type LevelRunner = (value: number, at: { origin?: number; firstId: number }) => Promise<LoadResult>;

export interface SweepOptions {
  summarize(records: Records): RunSummary;
  /** Called after each level, the last one included. */
  onLevel?(level: SweepLevel): void;
}

export async function runSweep(spec: SweepSpec, runLevel: LevelRunner, options: SweepOptions): Promise<SweepRun> {
  const sweep: SweepResults = { parameter: spec.parameter, levels: [] };
  const records = new RecordStore();
  let lastId = 0;
  let origin: number | undefined;
  let startedAt: Date | undefined;
  let unsent = 0;
  let interrupted = false;
  for (const [index, value] of spec.values.entries()) {
    const load = await runLevel(value, { origin, firstId: lastId + 1 });
    origin ??= load.origin;
    startedAt ??= load.startedAt;
    unsent += load.unsent;
    for (const record of load.records) {
      records.push(record);
      lastId = record.id;
    }
    const level: SweepLevel = { value, summary: options.summarize(load.records) };
    sweep.levels.push(level);
    const reason = load.interrupted ? 'interrupted' : saturationReason(level.summary, spec);
    if (reason) level.stopped_reason = reason;
    options.onLevel?.(level);
    if (load.interrupted) interrupted = true;
    if (reason) {
      if (index < spec.values.length - 1) sweep.stopped_early = `${spec.parameter} ${value}: ${reason}`;
      break;
    }
  }
  return { sweep, records, origin: origin ?? performance.now(), startedAt: startedAt ?? new Date(), interrupted, unsent };
}

/** Why a level counts as saturated, or undefined. Limits are exceeded, not merely reached. */
export function saturationReason(summary: RunSummary, limits: Pick<SweepSpec, 'max_error_rate' | 'max_ttft_p99'>): string | undefined {
  const total = summary.total_requests;
  const errorRate = total > 0 ? summary.failed_count / total : 0;
  if (errorRate > limits.max_error_rate) {
    return `error rate ${percent(errorRate)} > ${percent(limits.max_error_rate)}`;
  }
  const p99 = summary.ttft?.p99;
  if (limits.max_ttft_p99 !== undefined && p99 !== undefined && p99 > limits.max_ttft_p99) {
    return `TTFT p99 ${p99.toFixed(3)}s > ${limits.max_ttft_p99}s`;
  }
  return undefined;
}

/** "concurrency=1,2,4" -> { parameter: 'concurrency', values: [1, 2, 4] } (validated later by the config schema). */
export function parseSweepFlag(text: string): { parameter: string; values: number[] } {
  const match = /^\s*([a-z_]+)\s*=\s*(.+)$/.exec(text);
  const values = match ? (match[2] as string).split(',').map((item) => Number(item.trim())) : [];
  if (!match || values.some((value) => !Number.isFinite(value)) || values.length === 0) {
    throw new UsageError(`--sweep: expected concurrency=1,2,4,8 or rate=1,2,5,10, got ${JSON.stringify(text)}`);
  }
  return { parameter: match[1] as string, values };
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
