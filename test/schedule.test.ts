import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRng } from '../lib/util/random.ts';
import {
  concurrencyRampSteps,
  createArrivalTimes,
  createSleep,
  createGapSampler,
  driveArrivals,
  rampedTime,
  type ArrivalOptions,
} from '../lib/load/schedule.ts';
import { mean, sampleStd } from '../lib/stats/stats.ts';

const N = 10_000;

function gaps(options: Omit<ArrivalOptions, 'rng'>, seed = 42): number[] {
  const next = createGapSampler({ ...options, rng: createRng(seed) });
  return Array.from({ length: N }, next);
}
const variance = (values: number[]) => (sampleStd(values) as number) ** 2;

/** A fake clock: sleep advances it by the asked time plus `lateBy`, with no real waiting. */
function fakeClock(lateBy = 0) {
  const clock = { now: 0, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.now += ms + lateBy;
    },
  };
}

describe('inter-arrival gaps', () => {
  it('poisson: exponential gaps, mean 1/R and variance 1/R² over 10k samples', () => {
    const rate = 5;
    const sample = gaps({ rate, arrival: 'poisson' });
    expect(mean(sample)).toBeCloseTo(1 / rate, 2);
    expect(Math.abs(mean(sample)! * rate - 1)).toBeLessThan(0.03);
    // A uniform or constant gap with the right mean would give 1/(3R²) or 0 here.
    expect(variance(sample) * rate * rate).toBeGreaterThan(0.9);
    expect(variance(sample) * rate * rate).toBeLessThan(1.1);
    expect(Math.min(...sample)).toBeGreaterThan(0);
  });

  it.each([0.5, 1, 4])('gamma burstiness %d: mean stays 1/R, variance is mean²/k', (k) => {
    const rate = 8;
    const sample = gaps({ rate, arrival: 'gamma', burstiness: k });
    const m = mean(sample)!;
    expect(Math.abs(m * rate - 1)).toBeLessThan(0.04);
    const expected = 1 / (rate * rate * k);
    expect(variance(sample) / expected).toBeGreaterThan(0.85);
    expect(variance(sample) / expected).toBeLessThan(1.15);
  });

  it('orders burstiness: k < 1 is burstier than Poisson, k > 1 more even', () => {
    const bursty = variance(gaps({ rate: 2, arrival: 'gamma', burstiness: 0.5 }));
    const poisson = variance(gaps({ rate: 2, arrival: 'poisson' }));
    const even = variance(gaps({ rate: 2, arrival: 'gamma', burstiness: 4 }));
    expect(bursty).toBeGreaterThan(1.5 * poisson);
    expect(even).toBeLessThan(0.5 * poisson);
  });

  it('constant: every gap is exactly 1/R', () => {
    expect(new Set(gaps({ rate: 4, arrival: 'constant' }))).toEqual(new Set([0.25]));
  });

  it('is reproducible from the seed and differs across seeds', () => {
    const a = gaps({ rate: 3, arrival: 'poisson' }, 7).slice(0, 50);
    expect(gaps({ rate: 3, arrival: 'poisson' }, 7).slice(0, 50)).toEqual(a);
    expect(gaps({ rate: 3, arrival: 'poisson' }, 8).slice(0, 50)).not.toEqual(a);
  });

  it('rejects a non-positive rate or burstiness, saying which', () => {
    expect(() => createGapSampler({ rate: 0, arrival: 'poisson', rng: createRng(1) })).toThrow(new RangeError('rate must be a positive number, got 0'));
    expect(() => createGapSampler({ rate: 1, arrival: 'gamma', burstiness: 0, rng: createRng(1) })).toThrow(
      new RangeError('burstiness must be a positive number, got 0'),
    );
  });

  it('poisson: each gap is -ln(1 - u) / R of one draw u', () => {
    const draws = [0.5, 0.75, 0];
    const next = createGapSampler({ rate: 2, arrival: 'poisson', rng: () => draws.shift()! });
    expect([next(), next(), Math.abs(next())]).toEqual([Math.log(2) / 2, Math.log(4) / 2, 0]);
  });

  it('gamma k = 0.5: as much mass near zero as Gamma(0.5) has (the burst pile-up)', () => {
    // P(X < x) for X ~ Gamma(0.5, 1) is erf(sqrt(x)); gaps are X / (R k).
    const rate = 8;
    const k = 0.5;
    const sample = gaps({ rate, arrival: 'gamma', burstiness: k });
    const below = (x: number) => sample.filter((gap) => gap * rate * k < x).length / sample.length;
    // erf(sqrt(0.0005)) = 0.0252 and erf(sqrt(0.005)) = 0.0797; 10k samples: +-0.005 is over 3 standard errors.
    expect(Math.abs(below(0.0005) - 0.0252)).toBeLessThan(0.005);
    expect(Math.abs(below(0.005) - 0.0797)).toBeLessThan(0.009);
  });
});

describe('arrival times and ramp-up', () => {
  it('poisson schedule: the first at 0, then the sum of the gaps', () => {
    const draws = [0.5, 0.75];
    const next = createArrivalTimes({ rate: 2, arrival: 'poisson', rng: () => draws.shift()! });
    expect([next(), next(), next()]).toEqual([0, (Math.log(2) / 2) * 1000, ((Math.log(2) + Math.log(4)) / 2) * 1000]);
  });

  it('closed-loop ramp: none without a ramp time or above one request', () => {
    expect(concurrencyRampSteps(4, 0)).toEqual([]);
    expect(concurrencyRampSteps(1, 1000)).toEqual([]);
  });

  it('constant schedule: the first at 0, then every 1/R', () => {
    const next = createArrivalTimes({ rate: 10, arrival: 'constant', rng: createRng(1) });
    expect(Array.from({ length: 5 }, next)).toEqual([0, 100, 200, 300, 400]);
  });

  it('ramp-up: the rate rises linearly from 0 to R over T, then holds', () => {
    // Constant 10/s with a 2 s ramp: the n-th arrival is where R·t²/(2T) = n/R·R, i.e. t = sqrt(2T·n/R).
    const next = createArrivalTimes({ rate: 10, arrival: 'constant', rampUpSeconds: 2, rng: createRng(1) });
    const times = Array.from({ length: 15 }, next);
    for (let n = 0; n < 10; n++) expect(times[n]).toBeCloseTo(Math.sqrt((2 * 2 * n) / 10) * 1000, 6);
    // After the ramp (10 arrivals = R·T/2): every 100 ms, shifted by T/2.
    for (let n = 10; n < 15; n++) expect(times[n]).toBeCloseTo((n / 10 + 1) * 1000, 6);
    // Gaps shrink during the ramp.
    expect(times[2]! - times[1]!).toBeGreaterThan(times[9]! - times[8]!);
  });

  it('ramp-up with Poisson arrivals: counts follow the rising rate', () => {
    const next = createArrivalTimes({ rate: 100, arrival: 'poisson', rampUpSeconds: 10, rng: createRng(3) });
    const times: number[] = [];
    for (let t = next(); t < 20_000; t = next()) times.push(t);
    const count = (from: number, to: number) => times.filter((t) => t >= from && t < to).length;
    // Expected: 125 in the first 5 s (R·t²/2T), 375 in the next 5 s, 1000 in the 10 s after the ramp.
    expect(count(0, 5000)).toBeGreaterThan(100);
    expect(count(0, 5000)).toBeLessThan(150);
    expect(count(5000, 10_000)).toBeGreaterThan(330);
    expect(count(5000, 10_000)).toBeLessThan(420);
    expect(count(10_000, 20_000)).toBeGreaterThan(920);
    expect(count(10_000, 20_000)).toBeLessThan(1080);
  });

  it('rampedTime is continuous at the end of the ramp', () => {
    expect(rampedTime(1, 2)).toBeCloseTo(2, 12);
    expect(rampedTime(1 + 1e-9, 2)).toBeCloseTo(2, 6);
    expect(rampedTime(3, 0)).toBe(3);
  });

  it('closed-loop ramp: concurrency steps from 1 to the target, evenly over the ramp', () => {
    expect(concurrencyRampSteps(5, 1000)).toEqual([
      { atMs: 250, concurrency: 2 },
      { atMs: 500, concurrency: 3 },
      { atMs: 750, concurrency: 4 },
      { atMs: 1000, concurrency: 5 },
    ]);
    expect(concurrencyRampSteps(1, 1000)).toEqual([]);
    expect(concurrencyRampSteps(8, 0)).toEqual([]);
  });
});

describe('driveArrivals (injected clock and sleep)', () => {
  /** Drives a constant 10/s schedule on a fake clock; returns [intended, sent-at] pairs. */
  async function driveConstant(options: { lateBy?: number; stopAt?: number; limit?: number }) {
    const { clock, now, sleep } = fakeClock(options.lateBy);
    const sent: Array<[number, number]> = [];
    await driveArrivals({
      nextTime: createArrivalTimes({ rate: 10, arrival: 'constant', rng: createRng(1) }),
      now,
      sleep,
      stopAt: options.stopAt,
      dispatch: (intended) => sent.push([intended, clock.now]) < (options.limit ?? Infinity),
    });
    return { sent, clock };
  }

  it('sends each request at its intended time', async () => {
    const { sent } = await driveConstant({ limit: 5 });
    expect(sent).toEqual([
      [0, 0],
      [100, 100],
      [200, 200],
      [300, 300],
      [400, 400],
    ]);
  });

  it('a late wake-up sends overdue arrivals at once, keeping their intended times (lag is recorded, not absorbed)', async () => {
    const { sent, clock } = await driveConstant({ lateBy: 250, limit: 6 });
    expect(sent).toEqual([
      [0, 0],
      [100, 350],
      [200, 350],
      [300, 350],
      [400, 650],
      [500, 650],
    ]);
    // The schedule never shifted: intended times are still every 100 ms.
    expect(clock.sleeps).toEqual([100, 50]);
  });

  it('stops before an arrival at or after stopAt, without sleeping until it', async () => {
    const { sent, clock } = await driveConstant({ stopAt: 450 });
    expect(sent.map(([intended]) => intended)).toEqual([0, 100, 200, 300, 400]);
    expect(clock.now).toBe(400);
  });

  it('still sends an arrival meant before stopAt when the wake-up comes after it (the lag is recorded)', async () => {
    const { sent } = await driveConstant({ lateBy: 80, stopAt: 450 });
    expect(sent).toEqual([
      [0, 0],
      [100, 180],
      [200, 280],
      [300, 380],
      [400, 480],
    ]);
  });

  it('stops when stopped() turns true, also after a sleep', async () => {
    const { now, sleep } = fakeClock();
    const sent: number[] = [];
    await driveArrivals({
      nextTime: createArrivalTimes({ rate: 10, arrival: 'constant', rng: createRng(1) }),
      now,
      sleep,
      stopped: () => sent.length >= 3,
      dispatch: (intended) => sent.push(intended) > 0,
    });
    expect(sent).toEqual([0, 100, 200]);
  });

  it('sends nothing once stopped, even an arrival already due, and nothing after a sleep it was stopped in', async () => {
    const due: number[] = [];
    await driveArrivals({ nextTime: () => 0, now: () => 10, sleep: async () => {}, stopped: () => true, dispatch: (t) => due.push(t) > 0 });
    expect(due).toEqual([]);
    let stop = false;
    const { now, sleep } = fakeClock();
    const sent: number[] = [];
    await driveArrivals({
      nextTime: createArrivalTimes({ rate: 10, arrival: 'constant', rng: createRng(1) }),
      now,
      sleep: async (ms) => {
        await sleep(ms);
        stop = true; // interrupted while waiting for the second arrival
      },
      stopped: () => stop,
      dispatch: (intended) => sent.push(intended) > 0,
    });
    expect(sent).toEqual([0]);
  });

  it('does not send an arrival meant exactly at stopAt', async () => {
    const { sent } = await driveConstant({ stopAt: 400 });
    expect(sent.map(([intended]) => intended)).toEqual([0, 100, 200, 300]);
  });

  it('drives a Poisson schedule whose realised rate matches the target', async () => {
    const { now, sleep } = fakeClock();
    let count = 0;
    await driveArrivals({
      nextTime: createArrivalTimes({ rate: 50, arrival: 'poisson', rng: createRng(9) }),
      now,
      sleep,
      stopAt: 100_000,
      dispatch: () => ++count > 0,
    });
    // 100 s at 50/s: 5000 expected, sd ~71.
    expect(count).toBeGreaterThan(4750);
    expect(count).toBeLessThan(5250);
  });
});

describe('createSleep', () => {
  afterEach(() => vi.useRealTimers());

  it('waits the time asked, and returns at once when its signal aborts, or was aborted', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const sleep = createSleep(controller.signal);
    let woke = false;
    const nap = sleep(10_000).then(() => (woke = true));
    await vi.advanceTimersByTimeAsync(9_999);
    expect(woke).toBe(false);
    controller.abort();
    await nap;
    expect(woke).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    // Already aborted: no timer at all.
    const again = sleep(10_000);
    expect(vi.getTimerCount()).toBe(0);
    await again;
    // Without a signal: exactly the time asked.
    let plain = false;
    const unsignalled = createSleep()(500).then(() => (plain = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(plain).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await unsignalled;
    expect(plain).toBe(true);
  });

  it('removes its abort listener when the time is up', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const added: string[] = [];
    const removed: string[] = [];
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((type: string, listener: EventListener, options?: AddEventListenerOptions) => {
      added.push(`${type}:${options?.once === true}`);
      add(type, listener, options);
    }) as typeof signal.addEventListener;
    signal.removeEventListener = ((type: string, listener: EventListener) => {
      removed.push(type);
      remove(type, listener);
    }) as typeof signal.removeEventListener;
    const nap = createSleep(signal)(100);
    await vi.advanceTimersByTimeAsync(100);
    await nap;
    expect(added).toEqual(['abort:true']);
    expect(removed).toEqual(['abort']);
  });
});
