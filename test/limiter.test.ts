import { describe, expect, it } from 'vitest';
import { createLimiter } from '../lib/load/limiter.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createLimiter', () => {
  it('keeps exactly N in flight until the tail, never N + 1', async () => {
    const n = 4;
    const total = 40;
    const limit = createLimiter(n);
    let inFlight = 0;
    const observed: number[] = [];
    const tasks = Array.from({ length: total }, (_, i) =>
      limit(async () => {
        inFlight++;
        observed.push(inFlight);
        // Uneven durations (at least one tick), some failing: a slot frees on rejection too.
        for (let k = 0; k <= (i * 7) % 5; k++) await tick();
        inFlight--;
        if (i % 6 === 0) throw new Error(`task ${i}`);
        return i;
      }),
    );
    const settled = await Promise.allSettled(tasks);
    expect(Math.max(...observed)).toBe(n);
    // The first n starts fill the pool; every later start replaces a finished one, so N stay busy.
    expect(observed.slice(0, n)).toEqual([1, 2, 3, 4]);
    expect(observed.slice(n).every((v) => v === n)).toBe(true);
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(7);
    expect(limit.activeCount).toBe(0);
    expect(limit.pendingCount).toBe(0);
  });

  it('reports activeCount and pendingCount and starts the next in the same tick a slot frees', async () => {
    const limit = createLimiter(2);
    const releases: Array<() => void> = [];
    const started: number[] = [];
    const run = (i: number) =>
      limit(
        () =>
          new Promise<void>((resolve) => {
            started.push(i);
            releases.push(resolve);
          }),
      );
    const all = [run(0), run(1), run(2), run(3)];
    expect(limit.activeCount).toBe(2);
    expect(limit.pendingCount).toBe(2);
    releases[0]!();
    await all[0];
    await tick();
    expect(started).toEqual([0, 1, 2]);
    expect(limit.activeCount).toBe(2);
    releases[1]!();
    releases[2]!();
    await tick();
    releases[3]!();
    await Promise.all(all);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('raising concurrency starts queued work at once', async () => {
    const limit = createLimiter(1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const tasks = [limit(() => gate), limit(() => gate), limit(() => gate)];
    expect(limit.activeCount).toBe(1);
    limit.concurrency = 3;
    expect(limit.activeCount).toBe(3);
    release();
    await Promise.all(tasks);
  });

  it('rejects a bad concurrency, saying which', () => {
    expect(() => createLimiter(0)).toThrow(new RangeError('concurrency must be an integer >= 1, got 0'));
    expect(() => createLimiter(1.5)).toThrow(RangeError);
    const limit = createLimiter(2);
    expect(limit.concurrency).toBe(2);
    expect(() => (limit.concurrency = -1)).toThrow(new RangeError('concurrency must be an integer >= 1, got -1'));
    expect(limit.concurrency).toBe(2);
  });

  it('runs thousands of queued calls once each, in order (the queue compacts as it drains)', async () => {
    const limit = createLimiter(1);
    const order: number[] = [];
    const n = 3000;
    await Promise.all(Array.from({ length: n }, (_, i) => limit(async () => void order.push(i))));
    expect(order).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(limit.pendingCount).toBe(0);
  });

  it('clearQueue drops the calls not yet started; running ones finish', async () => {
    const limit = createLimiter(1);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ran: string[] = [];
    const first = limit(async () => {
      await gate;
      ran.push('first');
    });
    void limit(async () => void ran.push('queued'));
    expect(limit.pendingCount).toBe(1);
    limit.clearQueue();
    expect(limit.pendingCount).toBe(0);
    release();
    await first;
    await limit(async () => void ran.push('after'));
    expect(ran).toEqual(['first', 'after']);
  });
});
