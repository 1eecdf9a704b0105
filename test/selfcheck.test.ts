import { describe, expect, it } from 'vitest';
import { renderReport } from '../lib/report/report.ts';
import { ResultsSchema, buildResults } from '../lib/results/results.ts';
import { judgeSelfCheck, startSelfCheck } from '../lib/stats/selfcheck.ts';
import { summarize } from '../lib/stats/summary.ts';

describe('judgeSelfCheck', () => {
  it('flags a lagging event loop or a saturated core as client-bound', () => {
    expect(judgeSelfCheck(1, 40, 1).client_bound).toBe(false);
    expect(judgeSelfCheck(5, 90, 1).client_bound).toBe(false);
    expect(judgeSelfCheck(5.01, 10, 1).client_bound).toBe(true);
    expect(judgeSelfCheck(1, 90.5, 1).client_bound).toBe(true);
    // With two worker threads the limit is 90% of each of two cores.
    expect(judgeSelfCheck(1, 150, 2).client_bound).toBe(false);
    expect(judgeSelfCheck(1, 181, 2).client_bound).toBe(true);
  });

  it('does not judge the CPU of a run shorter than a second (start-up work dominates it)', () => {
    expect(judgeSelfCheck(1, 178, 1, 7).client_bound).toBe(false);
    expect(judgeSelfCheck(1, 178, 1, 999).client_bound).toBe(false);
    expect(judgeSelfCheck(1, 178, 1, 1000).client_bound).toBe(true);
    expect(judgeSelfCheck(6, 10, 1, 7).client_bound).toBe(true);
    expect(judgeSelfCheck(1, 178, 1, 7).cpu_percent).toBe(178);
  });

  it('rounds to two decimals in the results shape', () => {
    expect(judgeSelfCheck(1.23456, 12.3456, 1)).toEqual({ event_loop_delay_p99_ms: 1.23, cpu_percent: 12.35, client_bound: false });
  });
});

describe('startSelfCheck', () => {
  it('measures a loop that was blocked', async () => {
    const check = startSelfCheck();
    for (let i = 0; i < 4; i++) {
      const until = performance.now() + 30;
      while (performance.now() < until) {
        // Busy: the loop cannot run its timers.
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const result = check.stop();
    expect(result.event_loop_delay_p99_ms).toBeGreaterThan(5);
    expect(result.cpu_percent).toBeGreaterThan(0);
    expect(result.client_bound).toBe(true);
  });

  it('takes the worst worker loop when workers drove the load', () => {
    const result = startSelfCheck(2).stop([0.5, 7]);
    expect(result.event_loop_delay_p99_ms).toBe(7);
    expect(result.client_bound).toBe(true);
  });
});

describe('the self-check in the report and the results', () => {
  const summary = summarize([]);

  it('warns in the report when the client was the bottleneck', () => {
    const bound = renderReport({ summary, selfcheck: judgeSelfCheck(12, 50, 1) }, { lang: 'en', detail: 'full' });
    expect(bound).toContain('! client-bound: measurements inflated');
    expect(bound).toContain('12.00 ms (limit 5 ms)');
    const fine = renderReport({ summary, selfcheck: judgeSelfCheck(1, 50, 1) }, { lang: 'en', detail: 'full' });
    expect(fine).not.toContain('client-bound');
    expect(fine).toContain('Client self-check');
    expect(renderReport({ summary, selfcheck: judgeSelfCheck(12, 50, 1) }, { lang: 'zh' })).toContain('客户端已成瓶颈');
    expect(renderReport({ summary, selfcheck: judgeSelfCheck(12, 50, 1) }, { lang: 'en' })).toMatch(/^! Client self-check: Event-loop delay P99 12\.00 ms/m);
  });

  it('is an optional field of the results schema', () => {
    const input = {
      config: { url: 'http://x', concurrency: 1, total_requests: 0 },
      startedAt: new Date(),
      protocol: 'openai-chat',
      transport: 'http',
      interrupted: false,
      version: '0',
      summary,
      records: [],
    };
    const withCheck = buildResults({ ...input, selfcheck: judgeSelfCheck(1, 2, 1) });
    expect(ResultsSchema.parse(JSON.parse(JSON.stringify(withCheck))).selfcheck).toEqual({
      event_loop_delay_p99_ms: 1,
      cpu_percent: 2,
      client_bound: false,
    });
    expect('selfcheck' in buildResults(input)).toBe(false);
  });
});
