/** summary.workload from records, its report section, and the new record fields through the store and the results rows. */
import { describe, expect, it } from 'vitest';
import { RecordStore } from '../lib/record/record-store.ts';
import type { RequestRecord } from '../lib/record/record.ts';
import { renderReport } from '../lib/report/report.ts';
import { renderReportMarkdown } from '../lib/report/report-markdown.ts';
import { recordToRow, rowToRecord } from '../lib/results/results.ts';
import { summarize } from '../lib/stats/summary.ts';

function record(id: number, fields: Partial<RequestRecord>): RequestRecord {
  return { id, startedAt: id, firstTokenAt: id + 1, tokenTimes: [id + 1, id + 2, id + 3], reasoningTokens: 0, endedAt: id + 4, bytes: 10, chunks: 3, sawEndMarker: true, ...fields };
}

const records = [
  record(1, { promptTokens: 100, requestedOutputTokens: 3, usage: { inputTokens: 107, outputTokens: 3, cachedInputTokens: 0 } }),
  record(2, { promptTokens: 100, requestedOutputTokens: 5, usage: { inputTokens: 107, outputTokens: 3, cachedInputTokens: 64 } }),
  record(3, { promptTokens: 200, requestedOutputTokens: 8, usage: { inputTokens: 207, outputTokens: 2, cachedInputTokens: 64 } }),
  record(4, { promptTokens: 300, requestedOutputTokens: 8, error: { kind: 'http', message: 'HTTP 500', status: 500 } }),
  record(5, { promptTokens: 999, requestedOutputTokens: 999, warmup: true }),
];

describe('summary.workload', () => {
  it('counts prompts (ours: every measured request; the server\'s: successes), cache hits, and short requests', () => {
    const workload = summarize(records).workload!;
    expect(workload.prompt_tokens).toMatchObject({ count: 4, min: 100, max: 300, mean: 175 });
    expect(workload.server_prompt_tokens).toMatchObject({ count: 3, min: 107, max: 207 });
    expect(workload.cached_prompt_tokens).toEqual({ cached: 128, of: 421, requests: 3 });
    expect(workload.requested_output_tokens).toMatchObject({ count: 3, min: 3, max: 8 });
    expect(workload.actual_output_tokens).toMatchObject({ count: 3, min: 2, max: 3 });
    expect(workload.short_requests).toEqual({ requests: 2, of: 3, missing_tokens: 2 + 6 });
  });

  it('is absent for a run without a workload', () => {
    expect(summarize([record(1, {})]).workload).toBeUndefined();
  });

  it('shows in the text and markdown reports, in English and Chinese', () => {
    const summary = summarize(records);
    const text = renderReport({ summary }, { lang: 'en', detail: 'full' });
    expect(text).toContain('【Workload: requested vs actual】');
    expect(text).toMatch(/Cached prompt tokens \(server\): +128 of 421 \(30\.4%\)/);
    expect(text).toMatch(/! Short requests: +2 of 3 \(66\.7%\), 8 tokens missing/);
    expect(renderReport({ summary }, { lang: 'zh', detail: 'full' })).toContain('【负载：请求与实际】');
    expect(renderReportMarkdown({ summary }, { lang: 'en' })).toMatch(/\| ! Short requests \| 2 of 3 \(66\.7%\), 8 tokens missing/);
    // The one-screen report keeps the warning and the cache hits.
    const brief = renderReport({ summary }, { lang: 'en' });
    expect(brief).toMatch(/^! Short requests: 2 of 3 \(66\.7%\), 8 tokens missing/m);
    expect(brief).toContain('Cached prompt tokens (server): 128 of 421 (30.4%)');
    expect(brief).toMatch(/^ {2}Input tokens per request \(server\) +140\.3 +107 +/m);
  });
});

describe('the workload fields of a record', () => {
  it('go through the record store and the results rows unchanged', () => {
    const store = RecordStore.from(records);
    expect(store.toArray()).toEqual(records);
    for (const r of records) {
      const back = rowToRecord(recordToRow(r));
      expect([back.promptTokens, back.requestedOutputTokens, back.usage]).toEqual([r.promptTokens, r.requestedOutputTokens, r.usage]);
    }
    expect(recordToRow(records[1]!)).toMatchObject({ prompt_tokens: 100, requested_output_tokens: 5, usage: { input_tokens: 107, output_tokens: 3, cached_input_tokens: 64 } });
  });
});
