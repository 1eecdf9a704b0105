/**
 * Reading results in any format summarize and compare accept: streambench's
 * JSON (results.ts, versioned), the run's `.jsonl` journal (journal.ts), and
 * the original tool's JSON (original-results.ts). Formats that do not record everything are
 * converted, and what had to be guessed comes back as notes for the user.
 */
import { readFile, stat } from 'node:fs/promises';
import { parseJsonWithPosition } from '../config/config.ts';
import { UsageError } from '../record/errors.ts';
import { parseJournal } from './journal.ts';
import {
  IMPORTED_FROM,
  isObject,
  parseResults,
  recordToRow,
  rowToRecord,
  SCHEMA_VERSION,
  type MetricRow,
  type Results,
} from './results.ts';
import { convertOriginalResults, isOriginalResults } from './original-results.ts';
import { summarize, type RunSummary } from '../stats/summary.ts';

/** A results file as read, whatever its format, with what the reader had to guess. */
export interface LoadedResults {
  /** The file as the user named it. */
  path: string;
  results: Results;
  /** What was synthesized or is unknown (imported formats), for the user. */
  notes: string[];
}

/**
 * Reads a results file: streambench's JSON, a `.jsonl` / `.ndjson` journal, or
 * the original tool's JSON. Anything else is a UsageError with one line naming the
 * problem. `name` is how messages call the file (the path as the user typed it).
 */
export async function loadResults(path: string, name: string = path): Promise<LoadedResults> {
  let text: string;
  let modified: Date;
  try {
    text = await readFile(path, 'utf8');
    modified = (await stat(path)).mtime;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read results file ${name}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(error))}`);
  }
  text = text.replace(/^\uFEFF/, '');
  if (/\.(jsonl|ndjson)$/i.test(path)) return parseResultsJsonl(text, name, modified);
  const json = parseJsonWithPosition(text, name);
  const results = isOriginalResults(json) ? fromOriginalResults(json, name) : parseResults(json, name);
  return { path: name, results, notes: importNotes(results) };
}

/**
 * A journal: one MetricRow JSON per line (what run appends to `<output>.jsonl`),
 * optionally after a header line with the results' `config` / `run` (and
 * `dataset`, `shard`). A journal cut short by a crash may end in half a line:
 * that line is dropped with a note. Without a header, the start time is
 * estimated as the file's last write minus the latest request end, and the
 * concurrency as the most requests seen in flight.
 */
export function parseResultsJsonl(text: string, source: string, lastWrite: Date): LoadedResults {
  const newline = text.indexOf('\n');
  const firstLine = newline === -1 ? text : text.slice(0, newline);
  let header: Record<string, unknown> | undefined;
  try {
    const value: unknown = JSON.parse(firstLine);
    if (isObject(value) && ('run' in value || 'config' in value)) header = value;
  } catch {
    // Not a header: the journal's own parser reports the line.
  }
  const body = header && newline !== -1 ? text.slice(newline + 1) : header ? '' : text;
  const { rows, truncatedTail } = parseJournal(body, source, header ? 2 : 1);
  if (rows.length === 0) throw new UsageError(`${source} holds no metric rows`);

  const notes: string[] = [];
  if (truncatedTail) {
    const lastLine = text.replace(/\n+$/, '').split('\n').length;
    notes.push(`line ${lastLine}: dropped an incomplete last line (the run was probably killed while writing it)`);
  }
  const summary = summarize(rows.map(rowToRecord));
  let results: Record<string, unknown>;
  if (header) {
    results = { schema_version: SCHEMA_VERSION, ...header, summary, metrics: rows };
  } else {
    const latestEnd = Math.max(...rows.map((row) => row.timestamps.ended));
    const startedAt = new Date(lastWrite.getTime() - latestEnd).toISOString();
    const config = { url: 'unknown', concurrency: maxInFlight(rows), total_requests: rows.length, timestamp: startedAt };
    results = importedResults('jsonl', startedAt, config, summary, rows);
  }
  const parsed = parseResults(results, source);
  return { path: source, results: parsed, notes: [...notes, ...importNotes(parsed)] };
}

function fromOriginalResults(json: unknown, source: string): Results {
  const seed = convertOriginalResults(json, source);
  const startedAt = seed.startedAt.toISOString();
  const config = { ...seed.config, timestamp: seed.config.timestamp ?? startedAt };
  return parseResults(
    importedResults('seed-json', startedAt, config, summarize(seed.records), seed.records.map(recordToRow)),
    source,
  );
}

/** A results object for a format that does not record the run's environment: those fields are "unknown". */
function importedResults(
  from: (typeof IMPORTED_FROM)[number],
  startedAt: string,
  config: Record<string, unknown>,
  summary: RunSummary,
  metrics: MetricRow[],
): Record<string, unknown> {
  const unknown = 'unknown';
  return {
    schema_version: SCHEMA_VERSION,
    tool: { name: 'streambench', version: unknown },
    config,
    run: { started_at: startedAt, protocol: unknown, transport: unknown, interrupted: false, node: unknown, platform: unknown, imported_from: from },
    summary,
    metrics,
  };
}

/** What an imported file does not know, one line each. */
export function importNotes(results: Results): string[] {
  switch (results.run.imported_from) {
    case 'seed-json':
      return [
        "converted from the original tool's JSON: request start times are synthesized by replaying a closed loop at the " +
          "recorded concurrency, so wall time and throughput are estimates; the original tool's TTFT is its first chunk " +
          '(which may be an empty role chunk); TTFB, TPOT, ITL, bytes and end markers are unknown',
      ];
    case 'jsonl':
      return [
        'read from a journal without a header: url, model and protocol are unknown; the start time is estimated from ' +
          'the file time and the concurrency is the most requests seen in flight',
      ];
    default:
      return [];
  }
}

/** The most requests in flight at once, from start/end timestamps. */
function maxInFlight(rows: readonly MetricRow[]): number {
  const events = rows.flatMap((row) => [
    [row.timestamps.started, 1],
    [row.timestamps.ended, -1],
  ]);
  // Ends sort before starts at the same instant: a slot freed and reused is one request in flight.
  events.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
  let current = 0;
  let most = 0;
  for (const [, step] of events) {
    current += step as number;
    most = Math.max(most, current);
  }
  return Math.max(1, most);
}
