/**
 * Human durations for flags and config fields: "500ms", "30s", "2m", "1h", or a
 * bare number of seconds. Compound forms ("1m30s") are accepted too.
 */

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/gy;

/** Seconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (/^(\d+(\.\d+)?|\.\d+)$/.test(trimmed)) return Number(trimmed);
  PART.lastIndex = 0;
  let seconds = 0;
  let end = 0;
  for (let match = PART.exec(trimmed); match; match = PART.exec(trimmed)) {
    seconds += Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
    end = PART.lastIndex;
  }
  return end === trimmed.length ? seconds : undefined;
}

/** True for text with a unit ("10s"), as opposed to a bare count ("10"). */
export function hasTimeUnit(text: string): boolean {
  return /[a-z]\s*$/i.test(text.trim());
}

/** "1m30s", "45s", "250ms": the shortest readable form, for headers and messages. */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60 || !Number.isInteger(seconds)) return `${Number(seconds.toFixed(3))}s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}
