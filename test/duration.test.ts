import { describe, expect, it } from 'vitest';
import { mergeOverrides, validateConfig } from '../lib/config/config.ts';
import { formatDuration, hasTimeUnit, parseDuration } from '../lib/util/duration.ts';
import { describeLoadShape, loadShapeFromConfig, peakInFlight } from '../lib/load/load-shape.ts';

describe('parseDuration', () => {
  it.each([
    ['60', 60],
    ['1.5', 1.5],
    ['500ms', 0.5],
    ['30s', 30],
    ['2m', 120],
    ['1h', 3600],
    ['1m30s', 90],
    [' 10s ', 10],
  ])('%j is %d s', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(['', 'soon', '10x', '-5s', 's', '10s5', '1e3'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('tells a count from a time and formats back', () => {
    expect(hasTimeUnit('10')).toBe(false);
    expect(hasTimeUnit('10s')).toBe(true);
    expect([0.25, 45, 90, 3600, 1.5].map(formatDuration)).toEqual(['250ms', '45s', '1m30s', '1h', '1.5s']);
  });
});

describe('load shape config fields', () => {
  it('normalises durations to seconds and keeps a warm-up count or time', () => {
    const config = validateConfig({ duration: '1m30s', grace: '500ms', ramp_up: 10, warmup: '10s', slo: { ttft: '500ms' } }, 't');
    expect(config).toMatchObject({ duration: 90, grace: 0.5, ramp_up: 10, warmup: '10s', slo: { ttft: 0.5 } });
    expect(validateConfig({}, 't').grace).toBe(30);
    expect(validateConfig({ warmup: 5 }, 't').warmup).toBe(5);
  });

  it('a sweep flag changes one setting of the file sweep', () => {
    const merged = mergeOverrides(
      { sweep: { parameter: 'rate', values: [1, 2], max_ttft_p99: 2 } },
      { sweep: { max_error_rate: 0.2 } },
    );
    expect(validateConfig(merged, 't').sweep).toEqual({ parameter: 'rate', values: [1, 2], max_ttft_p99: 2, max_error_rate: 0.2 });
  });

  it('duration replaces the request count; concurrency is clamped to a count', () => {
    const timed = loadShapeFromConfig(validateConfig({ duration: 60, concurrency: 500 }, 't'));
    expect(timed.shape.total).toBe(Infinity);
    expect(timed.notes).toEqual([]);
    expect(describeLoadShape(timed.shape)).toBe('1m (grace 30s) | concurrency 500');
    const counted = loadShapeFromConfig(validateConfig({ total_requests: 3, warmup: 2, concurrency: 10 }, 't'));
    expect(counted.shape.concurrency).toBe(5);
    expect(counted.notes).toEqual(['note: concurrency 10 > requests 5; using 5']);
  });

  it('notes sweep concurrency levels above the requests per level', () => {
    const sweep = loadShapeFromConfig(validateConfig({ total_requests: 10, sweep: { parameter: 'concurrency', values: [2, 50, 64] } }, 't'));
    expect(sweep.notes).toEqual(['note: sweep levels 50, 64 > requests 10 per level; at most 10 in flight there']);
  });

  it('resolves the open-loop defaults; one seed, chosen when none is given, feeds the schedule', () => {
    const gamma = loadShapeFromConfig(validateConfig({ rate: 4, burstiness: 0.5, seed: 9 }, 't'));
    expect(gamma.shape).toMatchObject({ rate: 4, arrival: 'gamma', burstiness: 0.5, seed: 9 });
    expect(describeLoadShape(gamma.shape)).toBe('100 requests | rate 4/s gamma burstiness 0.5 | seed 9');
    const picked = validateConfig({ rate: 4 }, 't');
    expect(Number.isInteger(picked.seed)).toBe(true);
    const chosen = loadShapeFromConfig(picked);
    expect(chosen.shape.arrival).toBe('poisson');
    expect(chosen.shape.seed).toBe(picked.seed);
    // A closed loop draws nothing at random: no seed is picked or recorded.
    expect(validateConfig({ concurrency: 4 }, 't').seed).toBeUndefined();
    expect(loadShapeFromConfig(validateConfig({ concurrency: 4, seed: 3 }, 't')).shape.seed).toBeUndefined();
    const sweep = validateConfig({ sweep: { parameter: 'rate', values: [1, 2, 5] }, seed: 1 }, 't');
    expect(describeLoadShape(loadShapeFromConfig(sweep).shape, sweep.sweep)).toBe('100 requests | rate 1,2,5/s poisson | seed 1');
  });

  it('peakInFlight: the bound the open-file check uses, and the flag that sets it', () => {
    const peak = (input: Parameters<typeof validateConfig>[0]) => {
      const config = validateConfig(input, 't');
      return peakInFlight(loadShapeFromConfig(config).shape, config.sweep);
    };
    expect(peak({ concurrency: 8 })).toEqual({ count: 8, flag: '--concurrency' });
    expect(peak({ sweep: { parameter: 'concurrency', values: [1, 16, 4] } })).toEqual({ count: 16, flag: '--concurrency' });
    expect(peak({ rate: 5, max_concurrency: 3 })).toEqual({ count: 3, flag: '--max-concurrency' });
    expect(peak({ rate: 5 })).toBeUndefined();
    expect(peak({ sweep: { parameter: 'rate', values: [1, 2] } })).toBeUndefined();
  });
});
