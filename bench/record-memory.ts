/**
 * Memory per completed request record: 100,000 synthetic records of 16 token
 * times, kept as objects in an array vs packed in a RecordStore. Prints the
 * heap + array-buffer growth of each, per record. Not part of `npm run bench`:
 *   node --expose-gc --import tsx bench/record-memory.ts [records] [tokens]
 */
import type { RequestRecord } from '../lib/record/record.ts';
import { RecordStore } from '../lib/record/record-store.ts';

const count = Number(process.argv[2] ?? 100_000);
const tokens = Number(process.argv[3] ?? 16);
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with node --expose-gc');

/** Shaped as request.ts and the runner build it: a literal, then fields added as the request goes. */
function syntheticRecord(id: number): RequestRecord {
  const start = id * 0.37;
  const record: RequestRecord = { id, startedAt: 0, tokenTimes: [], reasoningTokens: 0, endedAt: 0, bytes: 0, chunks: 0, sawEndMarker: false };
  record.startedAt = start;
  record.intendedAt = start;
  record.headersAt = start + 1.25;
  record.status = 200;
  record.firstByteAt = start + 1.5;
  record.firstTokenAt = start + 2;
  record.firstAnswerAt = start + 2;
  record.usage = { inputTokens: 9, outputTokens: tokens };
  record.sawEndMarker = true;
  record.bytes = 180 * tokens;
  record.chunks = tokens + 2;
  record.endedAt = start + 2 + tokens * 0.75;
  const times = new Array<number>(tokens);
  for (let k = 0; k < tokens; k++) times[k] = start + 2 + k * 0.7519;
  record.tokenTimes = times;
  record.warmup = false;
  return record;
}

function used(): number {
  collect!();
  collect!();
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
}

function measure(label: string, fill: () => unknown): void {
  const before = used();
  const kept = fill();
  const after = used();
  const perRecord = (after - before) / count;
  process.stdout.write(`${label}: ${((after - before) / 1e6).toFixed(1)} MB, ${perRecord.toFixed(0)} bytes/record\n`);
  if (kept === undefined) throw new Error('unreachable: keeps the result alive until measured');
}

process.stdout.write(`${count} records, ${tokens} token times each\n`);
measure('array of objects', () => Array.from({ length: count }, (_, i) => syntheticRecord(i + 1)));
measure('RecordStore', () => {
  const store = new RecordStore();
  for (let i = 1; i <= count; i++) store.push(syntheticRecord(i));
  return store;
});
