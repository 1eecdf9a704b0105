import { describe, expect, it } from 'vitest';
import { openaiChat } from '../lib/wire/protocols/openai-chat.ts';
import { runClosedLoop, runOpenLoop, type LoadPlan } from '../lib/load/runner.ts';
import type { Transport } from '../lib/wire/transport.ts';

const TOKEN = new TextEncoder().encode('data: {"choices":[{"delta":{"content":"x"}}]}\n\ndata: [DONE]\n\n');

/** A transport with no network: every response is one token after `delayMs`; honours the abort signal. */
function fakeTransport(delayMs: number): Transport {
  return async (_request, signal) => ({
    status: 200,
    statusText: 'OK',
    header: () => null,
    read: (onChunk) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          onChunk(TOKEN);
          resolve();
        }, delayMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('aborted'));
        });
      }),
    cancel: () => {},
  });
}

function plan(total: number, concurrency: number, delayMs = 5): LoadPlan {
  return {
    total,
    concurrency,
    buildRequest: (index) => ({ url: `http://x.test/${index}`, method: 'POST', headers: {}, body: '{}' }),
    context: { transport: fakeTransport(delayMs), protocol: openaiChat, timeoutMs: 5000 },
  };
}

describe('runClosedLoop', () => {
  it('sends every request once, in order, with at most N in flight', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const started: number[] = [];
    const result = await runClosedLoop(plan(50, 7, 2), {
      onStart: (id) => {
        started.push(id);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
      },
      onComplete: () => inFlight--,
    });
    expect(started).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(maxInFlight).toBe(7);
    expect(result.records.toArray().map((r) => r.id)).toEqual(started);
    expect(result.records.toArray().every((r) => r.error === undefined && r.tokenTimes.length === 1)).toBe(true);
    expect(result.interrupted).toBe(false);
  });

  it('stops starting requests when the run is aborted and records the in-flight ones as aborted', async () => {
    const controller = new AbortController();
    let completed = 0;
    const result = await runClosedLoop(plan(1000, 4, 20), {
      signal: controller.signal,
      onComplete: () => {
        if (++completed === 8) controller.abort();
      },
    });
    expect(result.interrupted).toBe(true);
    // Eight finished; at most the four then in flight were cut off; nothing started after.
    const ok = result.records.toArray().filter((r) => r.error === undefined);
    const aborted = result.records.toArray().filter((r) => r.error?.kind === 'aborted');
    expect(ok.length).toBeGreaterThanOrEqual(8);
    expect(aborted.length).toBeGreaterThanOrEqual(1);
    expect(ok.length + aborted.length).toBe(result.records.length);
    expect(result.records.length).toBeLessThanOrEqual(12);
    expect(result.records.toArray().map((r) => r.id)).toEqual(Array.from({ length: result.records.length }, (_, i) => i + 1));
  });

  it('measures from a given origin (a worker thread passes the main thread’s)', async () => {
    const origin = performance.now() - 1000;
    const result = await runClosedLoop({ ...plan(3, 3), origin });
    expect(result.origin).toBe(origin);
    for (const r of result.records) expect(r.startedAt).toBeGreaterThanOrEqual(1000);
  });

  it('keepRecords false: records reach onComplete only (a worker thread posts them), the store stays empty', async () => {
    const completed: number[] = [];
    const result = await runClosedLoop({ ...plan(6, 3, 1), keepRecords: false }, { onComplete: (record) => completed.push(record.id) });
    expect(completed.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(result.records).toHaveLength(0);
  });

  it('fails the run when a hook throws', async () => {
    await expect(
      runClosedLoop(plan(5, 2), {
        onComplete: () => {
          throw new Error('hook broke');
        },
      }),
    ).rejects.toThrow('hook broke');
  });
});

describe('runClosedLoop at concurrency 1', () => {
  it('starts the next request when one settles', async () => {
    const result = await runClosedLoop(plan(3, 1, 1));
    expect(result.records.toArray().map((r) => r.error === undefined)).toEqual([true, true, true]);
  });

  it('keeps exactly N in flight while work remains', async () => {
    let inFlight = 0;
    const samples: number[] = [];
    await runClosedLoop(plan(40, 5, 3), {
      onStart: () => samples.push(++inFlight),
      onComplete: () => inFlight--,
    });
    // After the first wave, every start happens with the other N-1 still running.
    expect(samples.slice(5).every((n) => n === 5)).toBe(true);
  });
});

describe('runOpenLoop with a duration', () => {
  /**
   * Arrivals every 20 ms, a 100 ms deadline: five meant before it. The client
   * stalls 150 ms (a blocked event loop) before it reads the second arrival, so
   * it wakes past the deadline with four arrivals overdue.
   */
  function lateWakeUp(): () => number {
    let k = 0;
    return () => {
      if (k === 1) {
        const until = performance.now() + 150;
        while (performance.now() < until) {
          // busy: the event loop is blocked, as on an overloaded client
        }
      }
      return 20 * k++;
    };
  }

  it.each([
    ['no cap', undefined],
    ['a cap with free slots', 10],
  ])('sends every arrival meant before the deadline even when the client wakes late (%s)', async (_name, maxConcurrency) => {
    const { total: _total, concurrency: _concurrency, ...base } = plan(1, 1);
    const result = await runOpenLoop({ ...base, total: Infinity, durationMs: 100, graceMs: 5000, arrivals: lateWakeUp(), maxConcurrency });
    expect(result.unsent).toBe(0);
    const intended = result.records.toArray().map((r) => Math.round(r.intendedAt! - result.records.at(0).intendedAt!));
    expect(intended).toEqual([0, 20, 40, 60, 80]);
    // Sent late: the lag is recorded, not dropped.
    expect(result.records.at(1).startedAt - result.records.at(1).intendedAt!).toBeGreaterThan(100);
  });

  it('does not send arrivals still queued behind the cap at the deadline, and counts them', async () => {
    const { total: _total, concurrency: _concurrency, ...base } = plan(1, 1, 150);
    let k = 0;
    const result = await runOpenLoop({ ...base, total: Infinity, durationMs: 100, graceMs: 5000, arrivals: () => 20 * k++, maxConcurrency: 1 });
    // The first holds the only slot for 150 ms; the four behind it reach it past the deadline.
    expect(result.records).toHaveLength(1);
    expect(result.unsent).toBe(4);
  });
});
