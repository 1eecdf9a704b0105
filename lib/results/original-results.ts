/**
 * Reading the original tool's results JSON (`config` / `summary` / `metrics` with
 * request_id, ttft, total_time, total_tokens, tokens_per_second, error) into
 * request records. The original tool kept durations, not timestamps, so start times are
 * synthesized by replaying its own closed loop: requests in id order, each
 * starting when the earliest of `concurrency` slots frees. What the original tool never
 * measured (TTFB, token arrival times, bytes) stays unknown.
 */
import { z } from 'zod';
import { UsageError } from '../record/errors.ts';
import type { ErrorKind, RequestRecord } from '../record/record.ts';

const SeedRowSchema = z.looseObject({
  request_id: z.int(),
  ttft: z.number().nonnegative().nullable().optional(),
  total_time: z.number().nonnegative().nullable().optional(),
  total_tokens: z.number().nonnegative().nullable().optional(),
  tokens_per_second: z.number().nullable().optional(),
  error: z.string().nullable().optional(),
});

const OriginalResultsSchema = z.looseObject({
  config: z.looseObject({
    url: z.string(),
    concurrency: z.int().min(1),
    total_requests: z.int().min(0),
    timestamp: z.string().optional(),
  }),
  summary: z.looseObject({}).optional(),
  metrics: z.array(SeedRowSchema),
});
type OriginalResults = z.infer<typeof OriginalResultsSchema>;

export interface OriginalRun {
  config: OriginalResults['config'];
  /** The original tool's timestamp when it parses, else the Unix epoch. */
  startedAt: Date;
  records: RequestRecord[];
}

/** The original tool's shape: config and metrics, and none of streambench's own top-level fields. */
export function isOriginalResults(json: unknown): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  return 'config' in json && 'metrics' in json && !('schema_version' in json) && !('tool' in json);
}

export function convertOriginalResults(json: unknown, source: string): OriginalRun {
  const parsed = OriginalResultsSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'schema mismatch';
    throw new UsageError(`${source} looks like the original tool's results JSON but is not valid (${where})`);
  }
  const seed = parsed.data;
  const stamp = seed.config.timestamp === undefined ? NaN : Date.parse(seed.config.timestamp);
  const rows = [...seed.metrics].sort((a, b) => a.request_id - b.request_id);
  const slots = new SlotHeap(seed.config.concurrency);
  const records = rows.map((row) => {
    const startedAt = slots.take();
    const record = seedRowToRecord(row, startedAt);
    slots.release(record.endedAt);
    return record;
  });
  return { config: seed.config, startedAt: new Date(Number.isNaN(stamp) ? 0 : stamp), records };
}

function seedRowToRecord(row: z.infer<typeof SeedRowSchema>, startedAt: number): RequestRecord {
  const totalMs = (row.total_time ?? row.ttft ?? 0) * 1000;
  const record: RequestRecord = {
    id: row.request_id,
    startedAt,
    tokenTimes: [],
    reasoningTokens: 0,
    endedAt: startedAt + totalMs,
    bytes: 0,
    chunks: 0,
    sawEndMarker: false,
    usage: { outputTokens: Math.round(row.total_tokens ?? 0) },
  };
  if (row.error !== null && row.error !== undefined) {
    record.error = classifySeedError(row.error);
    if (record.error.status !== undefined) record.status = record.error.status;
  } else if (row.ttft !== null && row.ttft !== undefined) {
    record.firstTokenAt = startedAt + row.ttft * 1000;
  }
  return record;
}

/** The original tool stored only a message; its kind is guessed from the words in it. */
function classifySeedError(message: string): NonNullable<RequestRecord['error']> {
  const status = /\b(?:HTTP|status)\D{0,3}([1-5]\d\d)\b/i.exec(message)?.[1];
  let kind: ErrorKind = 'protocol';
  if (status !== undefined) kind = 'http';
  else if (/time[d ]?out/i.test(message)) kind = 'timeout';
  else if (/connect|refused|resolve|dns|unreachable|ECONN|ENOTFOUND/i.test(message)) kind = 'connect';
  else if (/abort|cancel|reset|disconnect|payload/i.test(message)) kind = 'aborted';
  const error: NonNullable<RequestRecord['error']> = { kind, message: message || kind };
  if (status !== undefined) error.status = Number(status);
  return error;
}

/** The times at which each of N slots becomes free: a binary min-heap. */
class SlotHeap {
  private readonly heap: number[];

  constructor(slots: number) {
    this.heap = new Array<number>(slots).fill(0);
  }

  /** Removes and returns the earliest free time. */
  take(): number {
    const heap = this.heap;
    const top = heap[0] as number;
    const last = heap.pop() as number;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && (heap[left] as number) < (heap[smallest] as number)) smallest = left;
        if (right < heap.length && (heap[right] as number) < (heap[smallest] as number)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest] as number, heap[i] as number];
        i = smallest;
      }
    }
    return top;
  }

  release(time: number): void {
    const heap = this.heap;
    heap.push(time);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as number) <= (heap[i] as number)) break;
      [heap[i], heap[parent]] = [heap[parent] as number, heap[i] as number];
      i = parent;
    }
  }
}
