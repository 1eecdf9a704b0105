/**
 * The raw record of one endpoint's scrapes: when each successful scrape was
 * taken and, per series (sample name + labels), its value at each of them
 * (NaN where the series was absent). Everything the results say about the
 * server is derived from this by summarize.ts.
 */
import type { Exposition, MetricType } from './exposition.ts';

export interface SeriesColumn {
  /** The sample's name, e.g. `vllm:time_to_first_token_seconds_bucket`. */
  name: string;
  family: string;
  /** All labels, `le` and `quantile` included. */
  labels: Record<string, string>;
  /** One per successful scrape; NaN where the series was absent. */
  values: number[];
}

export interface FamilyInfo {
  type: MetricType;
  help?: string;
}

export class ScrapeSeries {
  /** performance.now() of each successful scrape (its response headers' arrival). */
  readonly times: number[] = [];
  readonly columns = new Map<string, SeriesColumn>();
  readonly families = new Map<string, FamilyInfo>();

  add(at: number, exposition: Exposition): void {
    const index = this.times.length;
    this.times.push(at);
    for (const [name, family] of exposition.families) {
      this.families.set(name, family.help === undefined ? { type: family.type } : { type: family.type, help: family.help });
    }
    for (const sample of exposition.samples) {
      const key = seriesKey(sample.name, sample.labels);
      let column = this.columns.get(key);
      if (!column) {
        column = { name: sample.name, family: sample.family, labels: sample.labels, values: new Array<number>(index).fill(NaN) };
        this.columns.set(key, column);
      }
      column.values[index] = sample.value;
    }
    for (const column of this.columns.values()) if (column.values.length <= index) column.values.push(NaN);
  }
}

/** Label order differs between servers and even between scrapes: the key sorts them. */
export function seriesKey(name: string, labels: Record<string, string>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return name;
  keys.sort();
  return `${name}{${keys.map((key) => `${key}=${JSON.stringify(labels[key])}`).join(',')}}`;
}
