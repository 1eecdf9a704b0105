/** loadShapeFromConfig, plannedLength and describeLoadShape: the config resolved to exactly the shape a run uses. */
import { describe, expect, it } from 'vitest';
import { validateConfig, type ConfigInput } from '../lib/config/config.ts';
import { describeLoadShape, loadShapeFromConfig, plannedLength, runLoadShape, type LoadShape } from '../lib/load/load-shape.ts';

const resolve = (input: ConfigInput) => loadShapeFromConfig(validateConfig(input, 't'));
const base: LoadShape = { concurrency: 10, arrival: 'poisson', total: 100, graceMs: 30_000 };

describe('loadShapeFromConfig', () => {
  it('a default closed loop carries no open-loop, warm-up, ramp or retry fields', () => {
    expect(resolve({})).toStrictEqual({ shape: base, notes: [] });
    expect(resolve({ warmup: 0, ramp_up: 0, retries: 0 }).shape).toStrictEqual(base);
  });

  it('resolves every field, in its unit', () => {
    const { shape } = resolve({ rate: 5, seed: 3, retries: 2, retry_backoff: 0.25, retry_max_wait: 4, ramp_up: 2, warmup: '10s', max_concurrency: 4, arrival: 'gamma', burstiness: 2, grace: 1.5 });
    expect(shape).toStrictEqual({
      ...base,
      graceMs: 1500,
      rate: 5,
      arrival: 'gamma',
      burstiness: 2,
      seed: 3,
      maxConcurrency: 4,
      warmup: { ms: 10_000 },
      rampUpMs: 2000,
      retry: { retries: 2, baseMs: 250, maxMs: 4000, seed: 3 },
    });
    expect(resolve({ warmup: 5 }).shape.warmup).toStrictEqual({ requests: 5 });
    expect(resolve({ duration: 60 }).shape).toStrictEqual({ ...base, total: Infinity, durationMs: 60_000 });
    // A closed loop with retries has no schedule seed: the retry jitter is seeded 0.
    expect(resolve({ retries: 1 }).shape.retry).toStrictEqual({ retries: 1, baseMs: 500, maxMs: 30_000, seed: 0 });
  });

  it.each([
    [{ arrival: 'constant' }, 'arrival (--arrival) applies to an open-loop run: set rate (--rate) or sweep rate'],
    [{ burstiness: 2 }, 'burstiness (--burstiness) applies to an open-loop run: set rate (--rate) or sweep rate'],
    [{ max_concurrency: 2 }, 'max_concurrency (--max-concurrency) applies to an open-loop run: set rate (--rate) or sweep rate'],
    [{ rate: 2, arrival: 'poisson', burstiness: 2 }, 'burstiness (--burstiness) applies to arrival gamma, not poisson'],
    [{ rate: 2, sweep: { parameter: 'concurrency', values: [1, 2] } }, 'sweep concurrency runs closed loops at each level: drop rate (--rate), or sweep rate'],
  ] as Array<[ConfigInput, string]>)('refuses %j', (input, message) => {
    expect(() => resolve(input)).toThrow(message);
  });

  it('burstiness with an explicit gamma arrival is fine', () => {
    expect(resolve({ rate: 2, arrival: 'gamma', burstiness: 0.5 }).shape).toMatchObject({ arrival: 'gamma', burstiness: 0.5 });
  });

  it('clamps a closed loop concurrency to the requests it can send, and only then', () => {
    expect(resolve({ total_requests: 10, concurrency: 10 })).toStrictEqual({ shape: { ...base, total: 10 }, notes: [] });
    // Open loop and sweeps keep the concurrency as given.
    expect(resolve({ total_requests: 3, concurrency: 10, rate: 1, seed: 1 }).shape.concurrency).toBe(10);
    expect(resolve({ total_requests: 3, concurrency: 10, sweep: { parameter: 'rate', values: [1] }, seed: 1 }).notes).toEqual([]);
  });

  it('names one crowded sweep level in the singular, and a level equal to the requests is not crowded', () => {
    expect(resolve({ total_requests: 10, sweep: { parameter: 'concurrency', values: [10, 11] } }).notes).toEqual([
      'note: sweep level 11 > requests 10 per level; at most 10 in flight there',
    ]);
  });
});

describe('plannedLength', () => {
  it('counts warm-up requests, or gives the duration (warm-up time included), or nothing when a warm-up time ends the count', () => {
    expect(plannedLength(base)).toEqual({ total: 100 });
    expect(plannedLength({ ...base, warmup: { requests: 5 } })).toEqual({ total: 105 });
    expect(plannedLength({ ...base, warmup: { ms: 2000 } })).toEqual({ total: undefined });
    expect(plannedLength({ ...base, total: Infinity, durationMs: 60_000 })).toEqual({ total: undefined, durationMs: 60_000 });
    expect(plannedLength({ ...base, total: Infinity, durationMs: 60_000, warmup: { ms: 5000 } })).toEqual({ total: undefined, durationMs: 65_000 });
  });
});

describe('describeLoadShape', () => {
  it('names the warm-up and the ramp-up', () => {
    expect(describeLoadShape({ ...base, warmup: { requests: 5 }, rampUpMs: 2000 })).toBe('100 requests | warm-up 5 requests | concurrency 10 (ramp-up 2s)');
    expect(describeLoadShape({ ...base, warmup: { ms: 10_000 }, rate: 5, seed: 2, maxConcurrency: 3, rampUpMs: 500 })).toBe(
      '100 requests | warm-up 10s | rate 5/s poisson (ramp-up 500ms) | max concurrency 3 | seed 2',
    );
  });
});

describe('runLoadShape', () => {
  it('refuses an open loop without a seed', () => {
    const target = { buildRequest: () => ({ url: 'http://127.0.0.1:9/', method: 'POST', headers: {}, body: '' }), context: {} as never };
    expect(() => runLoadShape({ ...base, rate: 5 }, target)).toThrow('an open-loop load shape needs a seed');
  });
});
