import { describe, expect, it } from 'vitest';
import { parseStartAt, waitUntil, type WallClock } from '../lib/load/start-at.ts';

/** A fake wall clock: sleeping advances it, optionally firing `early` ms before the deadline. */
function fakeClock(start: number, early = 0) {
  let now = start;
  const sleeps: number[] = [];
  const clock: WallClock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += Math.max(0, ms - early) || ms;
    },
  };
  return { clock, sleeps, now: () => now };
}

describe('parseStartAt', () => {
  it.each([
    ['2025-06-01T12:00:00Z', Date.UTC(2025, 5, 1, 12)],
    ['2025-06-01T20:00:00+08:00', Date.UTC(2025, 5, 1, 12)],
    ['2025-06-01T12:00Z', Date.UTC(2025, 5, 1, 12)],
    ['2025-06-01T12:00:00.250Z', Date.UTC(2025, 5, 1, 12, 0, 0, 250)],
  ])('reads %s', (text, expected) => {
    expect(parseStartAt(text)).toBe(expected);
  });

  it.each(['2025-06-01T12:00:00', '2025-06-01', 'tomorrow', '2025-02-30T00:00:00Z', '2025-13-01T00:00:00Z', '2025-06-01T25:00:00Z', '__START_AT__'])(
    'rejects %j with a one-line message naming the flag and the format',
    (text) => {
      expect(() => parseStartAt(text)).toThrow(/^--start-at ".*" is not an ISO 8601 time with a zone, e\.g\. 2025-06-01T12:00:00Z/);
    },
  );
});

describe('waitUntil', () => {
  it('sleeps until the target, in bounded chunks, and never returns early', async () => {
    const { clock, sleeps, now } = fakeClock(1_000, 1);
    const wait = await waitUntil(26_000, clock);
    expect(wait).toEqual({ pastByMs: 0, aborted: false });
    expect(now()).toBeGreaterThanOrEqual(26_000);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(10_000);
    // The timer fired 1 ms early each time: the loop slept again for the rest.
    expect(sleeps.at(-1)).toBeLessThanOrEqual(3);
  });

  it('starts at once, and says by how much it is late, when the time is past', async () => {
    const { clock, sleeps } = fakeClock(5_000);
    expect(await waitUntil(3_500, clock)).toEqual({ pastByMs: 1_500, aborted: false });
    expect(sleeps).toEqual([]);
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    let now = 0;
    const clock: WallClock = {
      now: () => now,
      sleep: async () => {
        now += 100;
        controller.abort('SIGINT');
      },
    };
    expect(await waitUntil(60_000, clock, controller.signal)).toEqual({ pastByMs: 0, aborted: true });
    expect(now).toBe(100);
  });
});
