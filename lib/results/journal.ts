/**
 * The run journal: `<output>.jsonl`, one MetricRow JSON per line, appended as
 * each request completes. The final results file is written only at the end;
 * the journal is what survives a crash or `kill -9`.
 *
 * Each line is written with a synchronous write(2) on an O_APPEND descriptor
 * before the request is reported anywhere: once a request counts as completed
 * its line is in the kernel, which a killed process cannot take back. (An
 * async write stream would leave the last lines in a user-space buffer.) The
 * cost is one small syscall per completed request, never per chunk.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { UsageError } from '../record/errors.ts';
import { describeIssue, MetricRowSchema, type MetricRow } from './results.ts';

export interface Journal {
  readonly path: string;
  append(row: MetricRow): void;
  close(): void;
}

/** `results/run.json` -> `results/run.jsonl`; any other name gets `.jsonl` appended. */
export function journalPathFor(outputPath: string): string {
  return outputPath.endsWith('.json') ? `${outputPath}l` : `${outputPath}.jsonl`;
}

/**
 * Creates (truncates) the journal. Opened before the load starts, so an
 * unwritable output folder is a usage error up front. A write that fails
 * mid-run (disk full) is reported once through onError and journaling stops;
 * the run itself goes on.
 */
export function openJournal(path: string, onError: (message: string) => void): Journal {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new UsageError(`cannot create the journal ${path} (${code}): is its folder writable? Choose another with --output`);
  }
  return {
    path,
    append(row) {
      if (fd === undefined) return;
      const line = JSON.stringify(row) + '\n';
      try {
        // A string goes to write(2) without a Buffer copy; a short write (rare on a file) finishes from bytes.
        const written = writeSync(fd, line);
        const bytes = written < Buffer.byteLength(line) ? Buffer.from(line) : undefined;
        if (bytes) for (let offset = written; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
      } catch (error) {
        closeSync(fd);
        fd = undefined;
        onError(`journal ${path} stopped: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

export interface JournalContents {
  rows: MetricRow[];
  /** The last line was cut off (the process died while writing it) and was skipped. */
  truncatedTail: boolean;
}

/** Reads a journal back. Only an unterminated last line may be incomplete; anything else invalid is an error. */
export function readJournal(path: string): JournalContents {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read journal ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  return parseJournal(text, path);
}

/**
 * The rows of a journal's text. `firstLine` is the line number of the text's
 * first line in the file (a reader that took a header line off passes 2).
 * Errors name `source:line` and what is wrong with that line.
 */
export function parseJournal(text: string, source: string, firstLine = 1): JournalContents {
  const lines = text.split('\n');
  // Stryker disable next-line StringLiteral: split() returns at least one element, so pop() is never undefined
  const tail = lines.pop() ?? '';
  const rows: MetricRow[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const row = parseRow(line);
    if ('problem' in row) throw new UsageError(`${source}:${firstLine + index}: ${row.problem}`);
    rows.push(row.row);
  });
  let truncatedTail = false;
  if (tail.trim().length > 0) {
    const row = parseRow(tail);
    if ('row' in row) rows.push(row.row);
    else truncatedTail = true;
  }
  return { rows, truncatedTail };
}

function parseRow(line: string): { row: MetricRow } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    return { problem: `invalid JSON: ${(error as Error).message}` };
  }
  const parsed = MetricRowSchema.safeParse(json);
  return parsed.success ? { row: parsed.data } : { problem: `not a streambench metric row (${describeIssue(parsed.error)})` };
}
