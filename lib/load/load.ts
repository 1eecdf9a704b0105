/**
 * Runs the configured load, one run or a sweep of runs, and summarizes it:
 * what the run command calls once it has a request to send.
 */
import type { Slo } from '../stats/goodput.ts';
import { atLevel, plannedLength, runLoadShape, type LoadShape, type LoadTarget } from './load-shape.ts';
import type { Records, RequestRecord } from '../record/record.ts';
import type { RecordStore } from '../record/record-store.ts';
import type { LoadHooks, LoadResult } from './runner.ts';
import { summarize, summarizeWithSamples, type MetricSamples, type RunSummary } from '../stats/summary.ts';
import { runSweep, type SweepResults, type SweepSpec } from './sweep.ts';

/** What the load tells a live display (report/progress.ts implements it). */
export interface LoadProgress {
  onStart(id: number): void;
  onComplete(record: RequestRecord): void;
  finish(): void;
}

export interface LoadOptions {
  shape: LoadShape;
  sweep?: SweepSpec;
  slo?: Slo;
  target: Omit<LoadTarget, 'origin' | 'firstId'>;
  signal?: AbortSignal;
  /** A live progress display for one run: its planned requests, or its planned length when a duration ends it. */
  progress(planned: { total: number | undefined; durationMs?: number }): LoadProgress;
  /** Each request as it completes, fully tagged (data row, warm-up, sweep level), before progress shows it. */
  onRecord?(record: RequestRecord): void;
  /** Post-processes each run's records before they are summarized (e.g. tokenizer counts). */
  afterLoad?(records: RecordStore): Promise<void>;
  /** Log lines (stderr). */
  log(line: string): void;
  /** What progress shows as planned for a load; default plannedLength (conversations know their turns). */
  planned?(shape: LoadShape): { total: number | undefined; durationMs?: number };
  /** Runs one load; default runLoadShape on this thread (run's --workers passes worker threads). */
  runLoad?(shape: LoadShape, target: LoadTarget, hooks: LoadHooks): Promise<LoadResult>;
}

export interface LoadOutcome {
  records: RecordStore;
  /** Of every measured request (every level of a sweep). */
  summary: RunSummary;
  samples: MetricSamples;
  sweep?: SweepResults;
  startedAt: Date;
  /** performance.now() at the origin: record timestamps are ms since it. */
  origin: number;
  interrupted: boolean;
  unsent: number;
}

export async function runConfiguredLoad(options: LoadOptions): Promise<LoadOutcome> {
  const { shape, sweep: spec, slo, signal } = options;
  const summarizeRecords = (records: Records) => summarize(records, { slo });
  const outcome = (records: Records, unsent: number) => ({
    ...summarizeWithSamples(records, { slo }),
    ...noteUnsent(unsent, options.log),
  });
  /** `level`: the sweep level, tagged on each record as it completes (so the journal has it too). */
  const runOnce = async (levelShape: LoadShape, at: Pick<LoadTarget, 'origin' | 'firstId'> = {}, level?: number) => {
    const progress = options.progress((options.planned ?? plannedLength)(levelShape));
    const load = await (options.runLoad ?? runLoadShape)(levelShape, { ...options.target, ...at }, {
      signal,
      onStart: progress.onStart,
      onComplete: (record) => {
        if (level !== undefined) record.level = level;
        options.onRecord?.(record);
        progress.onComplete(record);
      },
    });
    progress.finish();
    await options.afterLoad?.(load.records);
    return load;
  };

  if (!spec) {
    const load = await runOnce(shape);
    return { ...load, ...outcome(load.records, load.unsent) };
  }
  const run = await runSweep(spec, (value, at) => runOnce(atLevel(shape, spec.parameter, value), at, value), {
    summarize: summarizeRecords,
    onLevel: ({ value, summary, stopped_reason }) =>
      options.log(
        `${spec.parameter} ${value}: ${summary.requests_per_second.toFixed(2)} req/s, ` +
          `TTFT p99 ${summary.ttft ? `${summary.ttft.p99.toFixed(3)}s` : '-'}, ` +
          `errors ${summary.failed_count}/${summary.total_requests}${stopped_reason ? ` — stopping: ${stopped_reason}` : ''}`,
      ),
  });
  return { ...run, ...outcome(run.records, run.unsent) };
}

function noteUnsent(unsent: number, log: (line: string) => void): { unsent: number } {
  if (unsent > 0) {
    log(`note: ${unsent} scheduled requests were still waiting behind max_concurrency when sending stopped, and were not sent`);
  }
  return { unsent };
}
