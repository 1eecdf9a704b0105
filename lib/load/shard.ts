/**
 * Sharding: one run split over N copies of streambench (pods of a Kubernetes
 * Indexed Job, or processes on several machines). Copy i of N sends the
 * requests with global index i, i+N, i+2N, … (so with a dataset the copies
 * send disjoint rows, and the union over copies is exactly a single run's
 * indices) and its fair share of the concurrency, or of the rate. With
 * conversations the index is the conversation's, so a conversation stays on
 * one shard; a trace's entries (or sessions) are split the same way, each
 * shard keeping the trace's times. Pure: every copy computes the same plan
 * from the same config.
 */
import type { ShardSpec } from '../config/shard-spec.ts';
import type { LoadShape } from './load-shape.ts';

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

/**
 * This shard's part of the whole run's load shape, or the reason it cannot be
 * split. Every shard refuses the same shapes, so a Job never half-runs: a
 * shard left with no concurrency could not send its rows, and one left with
 * no requests is a sign the shard count is wrong.
 */
export function shardLoadShape(shape: LoadShape, shard: ShardSpec): LoadShape | string {
  const { count } = shard;
  const split: LoadShape = { ...shape };
  if (shape.trace) {
    // A trace is split by entry (conversation-source.ts), each shard at the trace's own times: only a cap is shared.
    if (shape.maxConcurrency !== undefined) {
      if (shape.maxConcurrency < count) {
        return `max_concurrency ${shape.maxConcurrency} cannot be split over ${count} shards: each shard needs at least 1 in flight`;
      }
      split.maxConcurrency = shareOf(shape.maxConcurrency, shard);
    }
    if (shape.warmup?.requests) split.warmup = { ...shape.warmup, requests: shareOf(shape.warmup.requests, shard) };
    return split;
  }
  const warmupRequests = shape.warmup?.requests ?? 0;
  if (Number.isFinite(shape.total)) {
    if (shape.total < count) {
      return `total_requests ${shape.total} cannot be split over ${count} shards: each shard needs at least one request`;
    }
    // The run's warm-up has the global indices 0..W-1 and its measured requests W..W+T-1: this shard's of each.
    split.total = shareOf(warmupRequests + shape.total, shard) - shareOf(warmupRequests, shard);
  }
  if (warmupRequests > 0) split.warmup = { ...shape.warmup, requests: shareOf(warmupRequests, shard) };
  if (shape.rate === undefined) {
    if (shape.concurrency < count) {
      return `concurrency ${shape.concurrency} cannot be split over ${count} shards: each shard needs at least 1 in flight`;
    }
    split.concurrency = shareOf(shape.concurrency, shard);
    return split;
  }
  split.rate = shape.rate / count;
  if (shape.maxConcurrency !== undefined) {
    if (shape.maxConcurrency < count) {
      return `max_concurrency ${shape.maxConcurrency} cannot be split over ${count} shards: each shard needs at least 1 in flight`;
    }
    split.maxConcurrency = shareOf(shape.maxConcurrency, shard);
  }
  // Independent schedules, which add up to the run's (Poisson streams at R/N sum to one at R); N copies of one
  // schedule would arrive in lockstep bursts of N.
  if (shape.seed !== undefined) split.seed = shape.seed + shard.index;
  return split;
}
