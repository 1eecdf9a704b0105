/**
 * The open-loop arrival schedule: when each request is meant to be sent,
 * decided in advance from a seeded RNG and never by when earlier requests
 * finish. Sending late (a busy client, a concurrency cap) does not move the
 * schedule; it shows up as send lag, which is how coordinated omission is
 * measured instead of hidden.
 *
 * Inter-arrival gaps at rate R (mean 1/R seconds):
 *  - constant: exactly 1/R;
 *  - poisson:  exponential, variance 1/R²;
 *  - gamma:    shape k = burstiness, scale 1/(R·k), variance 1/(R²·k) (vLLM's
 *              benchmark_serving: k = 1 is Poisson, k < 1 burstier, k > 1 more even).
 * A ramp-up of T seconds raises the rate linearly from 0 to R over T.
 *
 * The driver takes its clock and sleep as parameters, so tests run it on a
 * fake clock without waiting.
 */
import type { Arrival } from '../config/config.ts';
import type { Rng } from '../util/random.ts';


export interface ArrivalOptions {
  /** Target requests per second (> 0). */
  rate: number;
  arrival: Arrival;
  /** Gamma shape; only for arrival "gamma". Default 1. */
  burstiness?: number;
  /** Seconds over which the rate rises linearly from 0 to `rate`. */
  rampUpSeconds?: number;
  rng: Rng;
}

/** Successive inter-arrival gaps at the target rate, in seconds. */
export function createGapSampler(options: ArrivalOptions): () => number {
  const { rate, rng } = options;
  if (!(rate > 0 && Number.isFinite(rate))) throw new RangeError(`rate must be a positive number, got ${rate}`);
  switch (options.arrival) {
    case 'constant':
      return () => 1 / rate;
    case 'poisson':
      // 1 - u lies in (0, 1], so the log is finite.
      return () => -Math.log(1 - rng()) / rate;
    case 'gamma': {
      const shape = options.burstiness ?? 1;
      if (!(shape > 0 && Number.isFinite(shape))) throw new RangeError(`burstiness must be a positive number, got ${shape}`);
      const scale = 1 / (rate * shape);
      return () => sampleGamma(shape, rng) * scale;
    }
  }
}

/** Successive intended send times in ms after the schedule's start; the first is at 0. */
export function createArrivalTimes(options: ArrivalOptions): () => number {
  const gap = createGapSampler(options);
  const ramp = options.rampUpSeconds ?? 0;
  // `s` is time on the target-rate clock; a ramp maps it onto real time.
  // A constant schedule multiplies instead of summing, so no rounding error accumulates.
  let s = 0;
  let n = 0;
  return () => {
    if (options.arrival === 'constant') s = n / options.rate;
    else if (n > 0) s += gap();
    n++;
    return rampedTime(s, ramp) * 1000;
  };
}

/**
 * Real time (s) at which the target-rate clock reaches `s`, when the rate rises
 * linearly from 0 to R over `ramp` seconds: the cumulative rate is R·t²/(2·ramp)
 * during the ramp and R·(t - ramp/2) after it.
 */
export function rampedTime(s: number, ramp: number): number {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: with ramp 0 the formula below gives s too
  if (ramp <= 0) return s;
  // Stryker disable next-line EqualityOperator: both branches give ramp at s = ramp / 2
  return s < ramp / 2 ? Math.sqrt(2 * ramp * s) : s + ramp / 2;
}

/**
 * Closed-loop ramp-up: concurrency rises linearly from 1 at the start to
 * `target` at `rampMs`. Returns when each level is reached (ms after start).
 */
export function concurrencyRampSteps(target: number, rampMs: number): Array<{ atMs: number; concurrency: number }> {
  if (target <= 1 || rampMs <= 0) return [];
  const steps: Array<{ atMs: number; concurrency: number }> = [];
  for (let concurrency = 2; concurrency <= target; concurrency++) {
    steps.push({ atMs: ((concurrency - 1) * rampMs) / (target - 1), concurrency });
  }
  return steps;
}

export interface DriveOptions {
  /** The next intended send time (ms, same clock as `now`). */
  nextTime: () => number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** No arrival meant for this time or later is sent (one meant earlier is, even if the wake-up is late). */
  stopAt?: number;
  /** Checked before every send: true ends the schedule (interrupt, enough sent). */
  stopped?: () => boolean;
  /** Sends one request meant for `intendedMs`; returning false ends the schedule. */
  dispatch: (intendedMs: number) => boolean;
}

/**
 * Walks the schedule: sleeps until each intended time, then dispatches. A
 * late wake-up dispatches every overdue arrival at once with its original
 * intended time, so lag is recorded, never absorbed into the schedule.
 */
export async function driveArrivals(options: DriveOptions): Promise<void> {
  const { now, stopAt } = options;
  for (;;) {
    if (options.stopped?.()) return;
    const intended = options.nextTime();
    if (stopAt !== undefined && intended >= stopAt) return;
    for (let wait = intended - now(); wait > 0; wait = intended - now()) {
      // Whole ms: timers drop a fraction, and would wake just early only to sleep again.
      await options.sleep(Math.ceil(wait));
      if (options.stopped?.()) return;
    }
    if (!options.dispatch(intended)) return;
  }
}

/** A setTimeout sleep that returns early when `signal` aborts. */
export function createSleep(signal?: AbortSignal): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    });
}

/** Gamma(shape, 1) by Marsaglia and Tsang (2000), with the u^(1/k) boost for shape < 1. */
function sampleGamma(shape: number, rng: Rng): number {
  // Stryker disable next-line EqualityOperator: the boost is exact for any shape, 1 included
  if (shape < 1) return sampleGamma(shape + 1, rng) * Math.pow(1 - rng(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = sampleNormal(rng);
    // Stryker disable next-line ArithmeticOperator: x is a standard normal and every use below is even in x, so -x draws the same distribution
    const t = 1 + c * x;
    // Stryker disable next-line EqualityOperator: t = 0 has probability 0
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - rng();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    // Stryker disable next-line EqualityOperator: equality has probability 0
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A standard normal by Box-Muller. */
function sampleNormal(rng: Rng): number {
  const u1 = 1 - rng();
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
