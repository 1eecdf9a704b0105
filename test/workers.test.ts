import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ttft } from '../lib/stats/metrics.ts';
import { startSimServer, type SimServer } from '../lib/sim/server.ts';
import { globalRequestIndex, runInWorkers, shareOf, type WorkerLoadPlan } from '../lib/load/workers.ts';

describe('splitting the load', () => {
  it('shares an amount out with the remainder to the first workers', () => {
    expect([0, 1, 2].map((i) => shareOf(10, i, 3))).toEqual([4, 3, 3]);
    expect([0, 1, 2].map((i) => shareOf(2, i, 3))).toEqual([1, 1, 0]);
  });

  it('maps each worker’s requests onto distinct global indexes 0..total-1', () => {
    const total = 11;
    const workers = 3;
    const indexes: number[] = [];
    for (let w = 0; w < workers; w++) {
      for (let n = 0; n < shareOf(total, w, workers); n++) indexes.push(globalRequestIndex(n, w, workers));
    }
    expect(indexes.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
  });
});

describe('runInWorkers', () => {
  let server: SimServer;
  beforeAll(async () => {
    server = await startSimServer({ ttftMs: 40, itlMs: 2, tokens: 5, jitter: 0 });
  });
  afterAll(() => server.close());

  const plan = (): WorkerLoadPlan => ({
    total: 12,
    concurrency: 4,
    requests: [{ url: `${server.url}/v1/chat/completions`, method: 'POST', headers: {}, body: '{"stream":true}' }],
    protocol: 'openai-chat',
    transport: 'undici',
    transportOptions: {},
    timeoutMs: 10_000,
    secrets: [],
  });

  it('runs the requests on worker threads and merges their records onto one clock', async () => {
    const started: number[] = [];
    let completed = 0;
    const before = performance.now();
    const result = await runInWorkers(plan(), 2, { onStart: (id) => started.push(id), onComplete: () => completed++ });
    const after = performance.now();
    expect(result.records.toArray().map((r) => r.id)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(started.sort((a, b) => a - b)).toEqual(result.records.toArray().map((r) => r.id));
    expect(completed).toBe(12);
    expect(result.eventLoopDelaysMs).toHaveLength(2);
    expect(result.interrupted).toBe(false);
    for (const r of result.records) {
      expect(r.error).toBeUndefined();
      expect(r.tokenTimes).toHaveLength(5);
      expect(ttft(r)!).toBeGreaterThanOrEqual(0.04 - 0.002);
      // Worker timestamps converted to the main thread's origin fall inside the main thread's window.
      expect(r.startedAt).toBeGreaterThanOrEqual(0);
      expect(result.origin + r.endedAt).toBeLessThanOrEqual(after + 1);
      expect(result.origin + r.startedAt).toBeGreaterThanOrEqual(before - 1);
    }
  });

  it('stops the workers when the run is aborted', async () => {
    const controller = new AbortController();
    const result = await runInWorkers({ ...plan(), total: 1000 }, 2, {
      signal: controller.signal,
      onComplete: () => controller.abort(),
    });
    expect(result.interrupted).toBe(true);
    expect(result.records.length).toBeLessThan(1000);
  });
});
