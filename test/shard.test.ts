import { describe, expect, it } from 'vitest';
import type { LoadShape } from '../lib/load/load-shape.ts';
import { parseShard, ShardSchema, type ShardSpec } from '../lib/config/shard-spec.ts';
import { globalIndex, shardLoadShape, shareOf } from '../lib/load/shard.ts';

const shards = (count: number): ShardSpec[] => Array.from({ length: count }, (_, index) => ({ index, count }));

describe('parseShard', () => {
  it.each([
    ['0/1', { index: 0, count: 1 }],
    ['2/3', { index: 2, count: 3 }],
    ['10/64', { index: 10, count: 64 }],
  ])('reads %s', (text, expected) => {
    expect(parseShard(text)).toEqual(expected);
    expect(ShardSchema.safeParse(text).success).toBe(true);
  });

  it.each(['3/3', '1/0', '-1/3', '1/3/4', 'a/3', '1 / 3', '1', ''])('rejects %j', (text) => {
    expect(parseShard(text)).toBeUndefined();
    const result = ShardSchema.safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/"i\/N"/);
  });
});

describe('shareOf', () => {
  it('gives the remainder to the lowest indices', () => {
    expect(shards(3).map((s) => shareOf(10, s))).toEqual([4, 3, 3]);
    expect(shards(4).map((s) => shareOf(10, s))).toEqual([3, 3, 2, 2]);
    expect(shards(3).map((s) => shareOf(9, s))).toEqual([3, 3, 3]);
  });

  it('sums to the target for every split, and parts differ by at most one', () => {
    for (let count = 1; count <= 9; count++) {
      for (let total = 0; total <= 40; total++) {
        const parts = shards(count).map((s) => shareOf(total, s));
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
        expect(Math.max(...parts) - Math.min(...parts)).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('globalIndex', () => {
  it('sends every N-th index: disjoint across shards, and their union is a single run', () => {
    for (const [total, count] of [[10, 3], [7, 7], [100, 8], [5, 1]] as const) {
      const seen: number[] = [];
      for (const shard of shards(count)) {
        const mine = Array.from({ length: shareOf(total, shard) }, (_, n) => globalIndex(n, shard));
        expect(mine.every((i) => i % count === shard.index)).toBe(true);
        seen.push(...mine);
      }
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
    }
    expect([0, 1, 2].map((n) => globalIndex(n, { index: 1, count: 3 }))).toEqual([1, 4, 7]);
  });
});

describe('shardLoadShape', () => {
  const closed = (over: Partial<LoadShape> = {}): LoadShape => ({ concurrency: 5, arrival: 'poisson', total: 10, graceMs: 30_000, ...over });
  const split = (shape: LoadShape, count: number) => shards(count).map((s) => shardLoadShape(shape, s) as LoadShape);

  it('splits requests and concurrency so they add up to the target', () => {
    const parts = split(closed(), 3);
    expect(parts.map((p) => p.total)).toEqual([4, 3, 3]);
    expect(parts.map((p) => p.concurrency)).toEqual([2, 2, 1]);
    expect(parts[0]).toMatchObject({ arrival: 'poisson', graceMs: 30_000 });
  });

  it('splits warm-up requests so that warm-up and measured requests keep the indices of a single run', () => {
    for (const [warmup, total, count] of [[2, 10, 3], [5, 7, 4], [1, 3, 3], [6, 6, 2]] as const) {
      const parts = split(closed({ total, concurrency: count, warmup: { requests: warmup } }), count);
      const warm: number[] = [];
      const measured: number[] = [];
      parts.forEach((part, index) => {
        const own = part.warmup?.requests ?? 0;
        for (let n = 0; n < own + part.total; n++) (n < own ? warm : measured).push(globalIndex(n, { index, count }));
      });
      expect(warm.sort((a, b) => a - b)).toEqual(Array.from({ length: warmup }, (_, i) => i));
      expect(measured.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => warmup + i));
    }
  });

  it('splits an open loop: rate and cap add up, each shard with its own arrival seed', () => {
    const parts = split(closed({ rate: 9, maxConcurrency: 7, seed: 40 }), 3);
    expect(parts.map((p) => p.rate)).toEqual([3, 3, 3]);
    expect(parts.map((p) => p.maxConcurrency)).toEqual([3, 2, 2]);
    expect(parts.map((p) => p.seed)).toEqual([40, 41, 42]);
    expect(split(closed({ rate: 10 }), 4).map((p) => p.rate)).toEqual([2.5, 2.5, 2.5, 2.5]);
  });

  it('keeps a duration-bound run unbounded in requests, and time-based warm-up whole', () => {
    const parts = split(closed({ total: Infinity, durationMs: 60_000, warmup: { ms: 5000 } }), 2);
    expect(parts.map((p) => [p.total, p.durationMs, p.warmup])).toEqual([
      [Infinity, 60_000, { ms: 5000 }],
      [Infinity, 60_000, { ms: 5000 }],
    ]);
  });

  it('refuses, in every shard alike, a target that leaves a shard nothing', () => {
    for (const shard of shards(4)) {
      expect(shardLoadShape(closed({ total: 100, concurrency: 3 }), shard)).toBe(
        'concurrency 3 cannot be split over 4 shards: each shard needs at least 1 in flight',
      );
      expect(shardLoadShape(closed({ total: 3, concurrency: 8 }), shard)).toMatch(/^total_requests 3 cannot be split over 4 shards/);
      expect(shardLoadShape(closed({ rate: 5, maxConcurrency: 2 }), shard)).toMatch(/^max_concurrency 2 cannot be split over 4 shards/);
    }
  });
});
