/**
 * Sharding: one run split over N copies of streambench (pods of a Kubernetes
 * Indexed Job, or processes on several machines). Copy i of N sends the
 * requests with global index i, i+N, i+2N, … (so with a dataset the copies
 * send disjoint rows, and the union over copies is exactly a single run's
 * indices) and its fair share of the concurrency. Pure: every copy computes
 * the same plan from the same config.
 */
import { z } from 'zod';

export interface ShardSpec {
  /** 0-based. */
  index: number;
  count: number;
}

/** Reads `"i/N"` (as given to --shard and the config field `shard`); undefined when malformed. */
export function parseShard(text: string): ShardSpec | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) return undefined;
  const shard = { index: Number(match[1]), count: Number(match[2]) };
  return shard.count >= 1 && shard.index < shard.count ? shard : undefined;
}

/** The config field: kept as the "i/N" text, so a results file's config reads back as a config. */
export const ShardSchema = z
  .string()
  .refine((text) => parseShard(text) !== undefined, 'must be "i/N": shard i of N, 0-based (0/3, 1/3, 2/3)');

/**
 * Shard `index`'s part of an integer `total` split over `count` shards: the
 * parts differ by at most one, the remainder goes to the lowest indices, and
 * they sum to `total`. It is also how many of the indices 0..total-1 are
 * congruent to `index` mod `count`, so request counts and concurrency agree.
 */
export function shareOf(total: number, shard: ShardSpec): number {
  return Math.floor(total / shard.count) + (shard.index < total % shard.count ? 1 : 0);
}

/** The global request index of this shard's `local`-th request (both 0-based). */
export function globalIndex(local: number, shard: ShardSpec): number {
  return shard.index + local * shard.count;
}

export interface ShardPlan {
  /** Requests this shard sends. */
  requests: number;
  /** Requests this shard keeps in flight. */
  concurrency: number;
}

/**
 * This shard's requests and concurrency, or the reason the target cannot be
 * split. Every shard rejects the same configs, so a Job never half-runs: a
 * shard left with no concurrency could not send its rows, and one left with
 * no requests is a sign the shard count is wrong.
 */
export function planShard(target: { total_requests: number; concurrency: number }, shard: ShardSpec): ShardPlan | string {
  if (target.total_requests < shard.count) {
    return `total_requests ${target.total_requests} cannot be split over ${shard.count} shards: each shard needs at least one request`;
  }
  if (target.concurrency < shard.count) {
    return `concurrency ${target.concurrency} cannot be split over ${shard.count} shards: each shard needs at least 1 in flight`;
  }
  return { requests: shareOf(target.total_requests, shard), concurrency: shareOf(target.concurrency, shard) };
}
