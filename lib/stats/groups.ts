/**
 * Per-group results (config group_by): the records of each group value,
 * summarized by the one summary function, so a group's numbers mean exactly
 * what the run's numbers mean.
 */
import type { Records } from '../record/record.ts';
import { SummaryBuilder, type RunSummary } from './summary.ts';

export interface GroupSummary {
  group: string;
  summary: RunSummary;
}

/** One summary per group value, sorted by value; records without a group, and warm-up records, are left out. */
export function summarizeGroups(records: Records): GroupSummary[] {
  // One pass, one summary builder per group: no group's records are held.
  const byGroup = new Map<string, SummaryBuilder>();
  for (const record of records) {
    if (record.group === undefined || record.warmup) continue;
    let builder = byGroup.get(record.group);
    if (!builder) byGroup.set(record.group, (builder = new SummaryBuilder()));
    builder.add(record);
  }
  return [...byGroup.keys()].sort().map((group) => ({ group, summary: (byGroup.get(group) as SummaryBuilder).finish().summary }));
}
