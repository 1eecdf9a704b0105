/**
 * Per-group results (config group_by): the records of each group value,
 * summarized by the one summary function, so a group's numbers mean exactly
 * what the run's numbers mean.
 */
import type { RequestRecord } from './record.ts';
import { summarize, type RunSummary } from './summary.ts';

export interface GroupSummary {
  group: string;
  summary: RunSummary;
}

/** One summary per group value, sorted by value; records without a group, and warm-up records, are left out. */
export function summarizeGroups(records: readonly RequestRecord[]): GroupSummary[] {
  const byGroup = new Map<string, RequestRecord[]>();
  for (const record of records) {
    if (record.group === undefined || record.warmup) continue;
    let members = byGroup.get(record.group);
    if (!members) byGroup.set(record.group, (members = []));
    members.push(record);
  }
  return [...byGroup.keys()].sort().map((group) => ({ group, summary: summarize(byGroup.get(group) ?? []) }));
}
