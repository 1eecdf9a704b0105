import { describe, expect, it } from 'vitest';
import { globalIndex, parseShard, planShard, shareOf, ShardSchema, type ShardSpec } from '../lib/shard.ts';

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

describe('planShard', () => {
  it('splits requests and concurrency', () => {
    expect(planShard({ total_requests: 10, concurrency: 5 }, { index: 0, count: 3 })).toEqual({ requests: 4, concurrency: 2 });
    expect(planShard({ total_requests: 10, concurrency: 5 }, { index: 2, count: 3 })).toEqual({ requests: 3, concurrency: 1 });
  });

  it('refuses, in every shard alike, a target that leaves a shard nothing', () => {
    for (const shard of shards(4)) {
      expect(planShard({ total_requests: 100, concurrency: 3 }, shard)).toBe(
        'concurrency 3 cannot be split over 4 shards: each shard needs at least 1 in flight',
      );
      expect(planShard({ total_requests: 3, concurrency: 8 }, shard)).toMatch(/^total_requests 3 cannot be split over 4 shards/);
    }
  });
});
