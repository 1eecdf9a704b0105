/**
 * Are these results files the shards of one run? Merging shards is only
 * honest when they are: all shards, of one count, each index once, from the
 * same config (but for the shard fields) and the same data. Anything else is
 * refused with a usage error (exit 2) naming what differs, since the merged
 * report would describe a run that never happened. A missing shard is only a
 * warning: a Job whose pod failed still measured the others truthfully.
 */
import { UsageError } from '../record/errors.ts';
import type { Results } from './results.ts';

export interface NamedResults {
  name: string;
  results: Results;
}

/**
 * Config fields that may differ between shards of one run: the shard itself,
 * what differs by nature (start timestamp, output path) and presentation
 * that does not change the load (per-request lines, report language).
 */
export const SHARD_FREE_FIELDS: ReadonlySet<string> = new Set(['shard', 'timestamp', 'output', 'quiet', 'lang']);

/** True when any file is a shard: the set must then be checked. */
export function isShardSet(inputs: readonly NamedResults[]): boolean {
  return inputs.some((input) => input.results.shard !== undefined);
}

/** Throws a UsageError when the files are not shards of one run; returns warnings (missing shards). */
export function checkShardSet(inputs: readonly NamedResults[]): string[] {
  const first = inputs[0];
  if (!first) return [];
  const whole = inputs.find((input) => !input.results.shard);
  const shard = inputs.find((input) => input.results.shard);
  if (whole && shard) {
    throw new UsageError(
      `cannot merge ${shard.name} (shard ${label(shard)}) with ${whole.name} (not a shard): merge the shards of one run, or whole runs`,
    );
  }
  const byIndex = new Map<number, string>();
  const count = first.results.shard!.count;
  for (const input of inputs) {
    const { index, count: other } = input.results.shard!;
    if (other !== count) {
      throw new UsageError(`cannot merge shards of different splits: ${first.name} is shard ${label(first)} but ${input.name} is shard ${label(input)}`);
    }
    const earlier = byIndex.get(index);
    if (earlier !== undefined) {
      throw new UsageError(`cannot merge: shard ${index}/${count} appears twice (${earlier} and ${input.name}), so its requests would count twice`);
    }
    byIndex.set(index, input.name);
    if (input === first) continue;
    const differences = configDifferences(first.results.config, input.results.config);
    const data = [first, input].map((file) => file.results.dataset?.sha256);
    if (data[0] !== data[1]) differences.push(`dataset (sha256 ${short(data[0])} vs ${short(data[1])})`);
    if (differences.length > 0) {
      throw new UsageError(
        `cannot merge: ${input.name} is not a shard of the same run as ${first.name}; they differ in ${differences.join(', ')}`,
      );
    }
  }
  const missing = Array.from({ length: count }, (_, index) => index).filter((index) => !byIndex.has(index));
  return missing.length === 0
    ? []
    : [`${byIndex.size} of ${count} shards given (missing ${missing.map((i) => `${i}/${count}`).join(', ')}): the merged report covers part of the run`];
}

/** Field paths (with both values) where two configs differ, ignoring SHARD_FREE_FIELDS at the top level. */
export function configDifferences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const found: string[] = [];
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!SHARD_FREE_FIELDS.has(key)) collect(a[key], b[key], key, found);
  }
  return found;
}

function collect(a: unknown, b: unknown, path: string, found: string[]): void {
  if (isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) collect(a[key], b[key], `${path}.${key}`, found);
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    found.push(`${path} (${show(a)} vs ${show(b)})`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function show(value: unknown): string {
  if (value === undefined) return 'unset';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function short(sha: string | undefined): string {
  return sha === undefined ? 'none' : sha.slice(0, 12);
}

function label(input: NamedResults): string {
  const shard = input.results.shard!;
  return `${shard.index}/${shard.count}`;
}
