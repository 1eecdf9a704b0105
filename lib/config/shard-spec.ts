/** The shard spec `"i/N"` (--shard, config `shard`): its grammar, checked with the config. What a shard sends is load/shard.ts. */
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
