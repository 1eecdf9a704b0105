/**
 * The simulated endpoint's prefix cache, as vLLM and SGLang keep theirs: a
 * prompt is a chain of fixed-size blocks, each keyed by its content and every
 * block before it, so a key names a whole prefix. A request's cached tokens are
 * its leading blocks already in the cache; then all its blocks are stored,
 * least recently used evicted first. Keys are opaque: hashes of token blocks
 * here, a trace's hash_ids for a replay.
 */

export interface PrefixCache {
  /** How many leading keys were cached (then every key is stored, as most recently used). */
  admit(keys: readonly string[]): number;
  readonly size: number;
}

export function createPrefixCache(capacityBlocks: number): PrefixCache {
  // A Map keeps insertion order: re-inserting a key makes it the most recent; the first key is the oldest.
  const blocks = new Map<string, true>();
  return {
    admit(keys) {
      let hits = 0;
      while (hits < keys.length && blocks.has(keys[hits]!)) hits++;
      if (capacityBlocks <= 0) return 0;
      for (const key of keys) {
        blocks.delete(key);
        blocks.set(key, true);
      }
      while (blocks.size > capacityBlocks) blocks.delete(blocks.keys().next().value as string);
      return hits;
    },
    get size() {
      return blocks.size;
    },
  };
}

/** Tokens per block, as vLLM's default. */
export const BLOCK_TOKENS = 16;

/** Chained block keys of a token sequence: key i hashes block i and key i-1; a partial last block has none. */
export function blockKeys(tokens: ArrayLike<number>, blockTokens = BLOCK_TOKENS): string[] {
  const keys: string[] = [];
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let end = blockTokens; end <= tokens.length; end += blockTokens) {
    for (let i = end - blockTokens; i < end; i++) {
      const t = tokens[i]!;
      h1 = Math.imul(h1 ^ t, 0x01000193) >>> 0;
      h2 = Math.imul(h2 ^ (t + 0x9e3779b9), 0x85ebca6b) >>> 0;
    }
    keys.push(`${h1.toString(36)}.${h2.toString(36)}`);
  }
  return keys;
}
