import { describe, expect, it } from 'vitest';
import { loadOverTime } from '../lib/load-over-time.ts';
import type { MetricRow } from '../lib/results.ts';

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
    expect(points).toHaveLength(2);
    expect(points[0]).toEqual({ t: 0.5, completedPerSecond: 0, failedPerSecond: 1, outputTokensPerSecond: 1, inFlight: 1.5 });
    expect(points[1]).toEqual({ t: 1.5, completedPerSecond: 2, failedPerSecond: 0, outputTokensPerSecond: 3, inFlight: 1.5 });
  });

  it('divides a partial last bucket by the time it covers', () => {
    const { points } = loadOverTime([row(1, 0, 1250, [1100])]);
    expect(points).toHaveLength(2);
    expect(points[1]!.t).toBeCloseTo(1.125, 9);
    expect(points[1]!.completedPerSecond).toBeCloseTo(4, 9); // 1 completion in 0.25 s
    expect(points[1]!.inFlight).toBeCloseTo(1, 9);
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
