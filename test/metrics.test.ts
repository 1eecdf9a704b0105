/** Per-request metrics, the run summary and the report, from synthetic records (no clocks). */
import { describe, expect, it } from 'vitest';
import {
  interTokenLatencies,
  maxStall,
  outputTokens,
  outputTokenSource,
  tokenCountMismatch,
  tokenEvents,
  tokensPerSecond,
  sendLag,
  ttftFromIntended,
  totalTimeFromIntended,
  totalTime,
  tpot,
  truncated,
  ttfat,
  ttfb,
  ttft,
} from '../lib/stats/metrics.ts';
import type { RequestRecord } from '../lib/record/record.ts';
import { renderReport } from '../lib/report/report.ts';
import { MetricRowSchema, recordToRow, rowToRecord } from '../lib/results/results.ts';
import { summarize } from '../lib/stats/summary.ts';

function record(over: Partial<RequestRecord>): RequestRecord {
  return { id: 1, startedAt: 0, tokenTimes: [], reasoningTokens: 0, endedAt: 0, bytes: 0, chunks: 0, sawEndMarker: true, ...over };
}

// Sent at 100 ms; role-only chunk at 110; reasoning from 300; the answer from 500; a 400 ms stall; done at 1100.
const reasoningFirst = record({
  startedAt: 100,
  headersAt: 105,
  firstByteAt: 110,
  firstTokenAt: 300,
  firstAnswerAt: 500,
  tokenTimes: [300, 400, 500, 600, 1000],
  reasoningTokens: 2,
  endedAt: 1100,
});

describe('per-request metrics', () => {
  it('times TTFB, TTFT (reasoning included), first answer token and E2E from the raw timestamps', () => {
    expect(ttfb(reasoningFirst)).toBeCloseTo(0.01, 9);
    expect(ttft(reasoningFirst)).toBeCloseTo(0.2, 9);
    expect(ttfat(reasoningFirst)).toBeCloseTo(0.4, 9);
    expect(totalTime(reasoningFirst)).toBeCloseTo(1.0, 9);
  });

  it('derives TPOT from first to last token over output tokens - 1, ITL per gap, and the longest stall', () => {
    expect(outputTokens(reasoningFirst)).toBe(5);
    expect(outputTokenSource(reasoningFirst)).toBe('events');
    expect(tpot(reasoningFirst)).toBeCloseTo(0.7 / 4, 9);
    expect(interTokenLatencies(reasoningFirst).map((gap) => Number(gap.toFixed(9)))).toEqual([0.1, 0.1, 0.1, 0.4]);
    expect(maxStall(reasoningFirst)).toBeCloseTo(0.4, 9);
  });

  it('takes output tokens from server usage over a tokenizer estimate over token events, and flags a usage/event mismatch', () => {
    const withUsage = { ...reasoningFirst, usage: { outputTokens: 8 }, tokenizerTokens: 6 };
    expect(outputTokens(withUsage)).toBe(8);
    expect(outputTokenSource(withUsage)).toBe('usage');
    expect(tpot(withUsage)).toBeCloseTo(0.7 / 7, 9);
    expect(tokenCountMismatch(withUsage)).toBe(true);
    expect(tokenCountMismatch({ ...reasoningFirst, usage: { outputTokens: 5 } })).toBe(false);
    expect(tokenCountMismatch(reasoningFirst)).toBe(false);
    // tokens/s counts the server's 8 tokens over the 1 s end to end, not the 5 events.
    expect(tokensPerSecond(withUsage)).toBeCloseTo(8, 9);
    expect(tokensPerSecond(reasoningFirst)).toBeCloseTo(5, 9);

    const estimated = { ...reasoningFirst, tokenizerTokens: 6 };
    expect(outputTokens(estimated)).toBe(6);
    expect(outputTokenSource(estimated)).toBe('tokenizer');
    // Input-only usage does not make usage the output source.
    expect(outputTokenSource({ ...reasoningFirst, usage: { inputTokens: 3 } })).toBe('events');
  });

  it('has no TPOT or stall below two tokens, and nothing at all for a failed request', () => {
    const single = record({ startedAt: 0, firstTokenAt: 50, firstAnswerAt: 50, tokenTimes: [50], endedAt: 60 });
    expect(tpot(single)).toBeUndefined();
    expect(maxStall(single)).toBeUndefined();
    const failed = { ...reasoningFirst, error: { kind: 'protocol' as const, message: 'x' } };
    expect([ttfb(failed), ttft(failed), ttfat(failed), totalTime(failed), tpot(failed), maxStall(failed)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(interTokenLatencies(failed)).toEqual([]);
  });

  it('gives undefined, never NaN or Infinity, for what a record cannot support', () => {
    // A successful record with no token at all (raw timestamps only).
    const tokenless = record({ startedAt: 0, firstByteAt: 5, endedAt: 40, usage: { outputTokens: 3 } });
    expect([ttft(tokenless), ttfat(tokenless), tpot(tokenless), ttftFromIntended(tokenless)]).toEqual([undefined, undefined, undefined, undefined]);
    expect(tokenEvents(tokenless)).toBe(0);
    expect(tokenEvents(reasoningFirst)).toBe(5);
    // Zero time end to end: no tokens/s.
    expect(tokensPerSecond(record({ startedAt: 10, firstTokenAt: 10, tokenTimes: [10], endedAt: 10 }))).toBeUndefined();
    expect(tokensPerSecond({ ...reasoningFirst, error: { kind: 'protocol', message: 'x' } })).toBeUndefined();
  });

  it('times from the intended send when the schedule had one, from the send otherwise; nothing for a failed request but its lag', () => {
    const late = { ...reasoningFirst, intendedAt: 40 };
    expect(sendLag(late)).toBeCloseTo(0.06, 9);
    expect(ttftFromIntended(late)).toBeCloseTo(0.26, 9);
    expect(totalTimeFromIntended(late)).toBeCloseTo(1.06, 9);
    expect([sendLag(reasoningFirst), ttftFromIntended(reasoningFirst), totalTimeFromIntended(reasoningFirst)]).toEqual([0, ttft(reasoningFirst), totalTime(reasoningFirst)]);
    const failed = { ...late, error: { kind: 'http' as const, message: 'x' } };
    expect([ttftFromIntended(failed), totalTimeFromIntended(failed)]).toEqual([undefined, undefined]);
    expect(sendLag(failed)).toBeCloseTo(0.06, 9);
  });

  it('flags a successful stream without its end marker as truncated, but not a failed one', () => {
    expect(truncated(reasoningFirst)).toBe(false);
    expect(truncated({ ...reasoningFirst, sawEndMarker: false })).toBe(true);
    expect(truncated({ ...reasoningFirst, sawEndMarker: false, error: { kind: 'aborted', message: 'x' } })).toBe(false);
  });
});

describe('summarize', () => {
  const withUsage = record({
    id: 1,
    startedAt: 0,
    firstTokenAt: 100,
    firstAnswerAt: 100,
    tokenTimes: [100, 200, 300, 1100, 1200],
    endedAt: 1300,
    usage: { inputTokens: 7, outputTokens: 10 },
  });
  const truncatedEvents = record({
    id: 2,
    startedAt: 50,
    firstTokenAt: 500,
    firstAnswerAt: 500,
    tokenTimes: [500, 900, 1500, 1600],
    endedAt: 1700,
    sawEndMarker: false,
  });
  const overloaded = record({
    id: 3,
    startedAt: 10,
    firstTokenAt: 20,
    tokenTimes: [20, 30],
    endedAt: 2000,
    error: { kind: 'protocol', message: 'error event in stream: Overloaded', code: 'overloaded_error' },
  });
  const http = record({ id: 4, startedAt: 20, endedAt: 40, error: { kind: 'http', message: '503', status: 503 } });
  const summary = summarize([withUsage, truncatedEvents, overloaded, http]);

  it('counts successes, failures by kind and provider code, and truncated streams (as successes)', () => {
    expect(summary).toMatchObject({
      total_requests: 4,
      success_count: 2,
      failed_count: 2,
      truncated_count: 1,
      errors: { protocol: 1, http: 1 },
      error_codes: { overloaded_error: 1 },
    });
  });

  it('sums output tokens by each request source and reports usage/event mismatches', () => {
    expect(summary.output_tokens).toBe(14);
    expect(summary.input_tokens).toBe(7);
    expect(summary.token_sources).toEqual({ usage: 1, tokenizer: 0, events: 1 });
    expect(summary.token_count_mismatch).toEqual({ requests: 1, usage_tokens: 10, event_tokens: 5 });
  });

  it('derives aggregate and peak tokens/s; the peak weights each event by its request tokens per event', () => {
    expect(summary.wall_time).toBeCloseTo(2.0, 9);
    expect(summary.output_tokens_per_second).toBeCloseTo(7, 9);
    expect(summary.requests_per_second).toBeCloseTo(1, 9);
    // Bucket [0,1) s: 3 events x 2 tokens + 2 events x 1 = 8; bucket [1,2) s: 2 x 2 + 2 x 1 = 6.
    expect(summary.peak_output_tokens_per_second).toBe(8);
  });

  it('keeps failed requests out of every latency distribution', () => {
    expect(summary.ttft?.count).toBe(2);
    expect(summary.ttft?.max).toBeCloseTo(0.45, 9);
    expect(summary.itl?.count).toBe(7);
    expect(summary.max_stall?.max).toBeCloseTo(0.8, 9);
    expect(summary.tpot?.count).toBe(2);
  });

  it('renders stream health: truncated streams, provider error codes and the usage mismatch', () => {
    const text = renderReport({ summary }, { lang: 'en', detail: 'full' });
    expect(text).toMatch(/Peak output rate \(1 s\): +8\.0 tok\/s/);
    expect(text).toMatch(/Truncated \(no end marker\):\s+1/);
    expect(text).toMatch(/In-stream errors:\s+overloaded_error ×1/);
    expect(text).toMatch(/Output token counts from:\s+server usage 1, token events 1/);
    expect(text).toContain('! 1 request(s) differ: usage 10 tokens vs 5 events');
    expect(text).toContain("! 1 stream(s) ended without their protocol's end marker");
    expect(text).toMatch(/^  ITL \(ms\) +7 /m);
    // The one-screen report keeps the warnings.
    const brief = renderReport({ summary }, { lang: 'en' });
    expect(brief).toMatch(/^Stream health: 1 truncated · In-stream errors: overloaded_error ×1 · output tokens from server usage 1, token events 1$/m);
    expect(brief).toContain('! 1 request(s) differ: usage 10 tokens vs 5 events');
    const zh = renderReport({ summary }, { lang: 'zh', detail: 'full' });
    expect(zh).toContain('【流健康状况】');
    expect(zh).toMatch(/截断 \(缺少结束标记\):\s+1/);
  });

  it('says the counts agree when usage matches the events', () => {
    const agreeing = summarize([{ ...withUsage, usage: { outputTokens: 5 } }]);
    expect(renderReport({ summary: agreeing }, { lang: 'en', detail: 'full' })).toMatch(/Usage vs token events:\s+agree/);
  });
});

describe('results rows', () => {
  it('round-trip the token source, tokenizer estimate, detected protocol and provider error code', () => {
    const estimated = { ...reasoningFirst, tokenizerTokens: 6, protocol: 'ollama' };
    const row = MetricRowSchema.parse(JSON.parse(JSON.stringify(recordToRow(estimated))));
    expect(row).toMatchObject({ token_source: 'tokenizer', total_tokens: 6, tokenizer_tokens: 6, protocol: 'ollama' });
    expect(rowToRecord(row)).toMatchObject({ tokenizerTokens: 6, protocol: 'ollama', firstAnswerAt: 500 });

    const failed = { ...reasoningFirst, error: { kind: 'protocol' as const, message: 'Overloaded', code: 'overloaded_error' } };
    const failedRow = MetricRowSchema.parse(JSON.parse(JSON.stringify(recordToRow(failed))));
    expect(failedRow.error_code).toBe('overloaded_error');
    expect(rowToRecord(failedRow).error).toEqual({ kind: 'protocol', message: 'Overloaded', code: 'overloaded_error' });
  });
});
