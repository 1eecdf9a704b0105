/**
 * Memory of a run's end phase (summary, report, results file) for N completed
 * requests already in a RecordStore: peak RSS and heap before and after.
 * Not part of `npm run bench`:
 *   node --import tsx bench/end-phase.ts [records] [tokens]
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { RequestRecord } from '../lib/record/record.ts';
import { RecordStore } from '../lib/record/record-store.ts';
import { renderReport } from '../lib/report/report.ts';
import { buildResultsHead, serializeResults, writeFileAtomic } from '../lib/results/results.ts';
import { summarizeWithSamples } from '../lib/stats/summary.ts';

const count = Number(process.argv[2] ?? 100_000);
const tokens = Number(process.argv[3] ?? 16);

function record(id: number): RequestRecord {
  const start = id * 0.1;
  const times = new Array<number>(tokens);
  for (let k = 0; k < tokens; k++) times[k] = start + 2 + k * 0.7519 + (id % 7) * 0.01;
  return {
    id, startedAt: start, intendedAt: start, headersAt: start + 1.25, status: 200, firstByteAt: start + 1.5, firstTokenAt: start + 2,
    firstAnswerAt: start + 2, usage: { inputTokens: 9, outputTokens: tokens }, sawEndMarker: true, bytes: 180 * tokens,
    chunks: tokens + 2, endedAt: start + 2 + tokens * 0.75, tokenTimes: times, reasoningTokens: 0, warmup: false,
  };
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
const store = new RecordStore();
for (let i = 1; i <= count; i++) store.push(record(i));
const before = process.memoryUsage();
const started = performance.now();
const peaks: string[] = [];
const mark = (step: string) => peaks.push(`${step} ${mb(process.resourceUsage().maxRSS * 1024)}`);
const { summary } = summarizeWithSamples(store, {});
mark('summary');
const report = renderReport({ summary }, { lang: 'en', detail: 'full' });
const head = buildResultsHead({
  config: { url: 'http://127.0.0.1/', concurrency: 1, total_requests: count },
  startedAt: new Date(), protocol: 'openai-chat', transport: 'undici', interrupted: false, version: '0', summary, records: store,
});
mark('results head');
const file = join(tmpdir(), `end-phase-${process.pid}.json`);
await writeFileAtomic(file, serializeResults(head, store));
mark('results file');
await rm(file);
const after = process.memoryUsage();
process.stdout.write(
  `${count} records x ${tokens} tokens: end phase ${(performance.now() - started).toFixed(0)} ms, report ${report.length} chars\n` +
    `  rss ${mb(before.rss)} -> ${mb(after.rss)}, peak ${mb(process.resourceUsage().maxRSS * 1024)}; heap total ${mb(before.heapTotal)} -> ${mb(after.heapTotal)}\n` +
    `  peak RSS after each step: ${peaks.join(', ')}\n`,
);
