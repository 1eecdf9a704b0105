import { describe, expect, it } from 'vitest';
import { loadOverTime } from '../lib/results/load-over-time.ts';
import type { MetricRow } from '../lib/results/results.ts';

function row(id: number, started: number, ended: number, tokenTimes: number[], failed = false): MetricRow {
  return {
    request_id: id,
    ttft: failed ? null : 0.1,
    total_time: failed ? null : (ended - started) / 1000,
    total_tokens: tokenTimes.length,
    tokens_per_second: null,
    error: failed ? 'boom' : null,
    error_kind: failed ? 'http' : null,
    status: failed ? 500 : 200,
    token_source: 'events',
    reasoning_tokens: 0,
    end_marker: !failed,
    bytes: 0,
    chunks: 0,
    timestamps: { started, headers: null, first_byte: null, first_token: null, first_answer: null, ended },
    token_times: tokenTimes,
  };
}

describe('loadOverTime', () => {
  it('derives per-second completions, failures, tokens and mean in-flight from row timestamps', () => {
    const rows = [
      row(1, 0, 1500, [500, 1200, 1400]), // spans bucket 0 fully and half of bucket 1
      row(2, 0, 500, [], true), // fails inside bucket 0
      row(3, 1000, 2000, [1900]), // bucket 1 fully
    ];
    const { points, derived } = loadOverTime(rows);
    expect(derived).toBe(true);
    // The same series run records (lib/timeseries.ts): row 3 ends exactly at 2 s, so in bucket 2.
    expect(points).toEqual([
      { t: 0.5, completedPerSecond: 0, failedPerSecond: 1, outputTokensPerSecond: 1, inFlight: 1.5 },
      { t: 1.5, completedPerSecond: 1, failedPerSecond: 0, outputTokensPerSecond: 3, inFlight: 1.5 },
      { t: 2.5, completedPerSecond: 1, failedPerSecond: 0, outputTokensPerSecond: 0, inFlight: 0 },
    ]);
  });

  it('counts a partial last bucket per full bucket, and in-flight over the part inside the run', () => {
    const { points } = loadOverTime([row(1, 0, 1250, [1100])]);
    expect(points).toHaveLength(2);
    expect(points[1]).toEqual({ t: 1.5, completedPerSecond: 1, failedPerSecond: 0, outputTokensPerSecond: 1, inFlight: 1 });
  });

  it('uses the recorded timeseries when there is one', () => {
    const { points, derived } = loadOverTime([row(1, 0, 100, [50])], {
      bucket_seconds: 2,
      buckets: [{ t: 0, started: 4, completed: 6, failed: 2, output_tokens: 100, in_flight: 3 }],
    });
    expect(derived).toBe(false);
    expect(points).toEqual([{ t: 1, completedPerSecond: 3, failedPerSecond: 1, outputTokensPerSecond: 50, inFlight: 3 }]);
  });

  it('returns no points for no rows', () => {
    expect(loadOverTime([]).points).toEqual([]);
  });
});
