/**
 * `--start-at`: copies of a sharded run wait for one agreed wall-clock instant
 * so their load overlaps. This is the one place that reads the wall clock to
 * schedule: an instant agreed between machines only exists on their (NTP
 * synchronised) wall clocks, never on a process's monotonic clock.
 */
import { UsageError } from '../record/errors.ts';
import { createSleep } from './schedule.ts';

// A zone is required: without one, "12:00" means a different instant on a laptop and in a UTC pod.
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Parses an ISO 8601 date-time with a zone; milliseconds since the epoch. */
export function parseStartAt(text: string): number {
  const time = ISO_WITH_ZONE.test(text) && isRealDate(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(time)) {
    throw new UsageError(
      `--start-at ${JSON.stringify(text)} is not an ISO 8601 time with a zone, e.g. 2025-06-01T12:00:00Z or 2025-06-01T20:00:00+08:00`,
    );
  }
  return time;
}

/** Date.parse rolls 2025-02-30 over to March 2; a typo like that must not shift the start by days. */
function isRealDate(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

export interface WallClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or sooner when the wait is aborted. */
  sleep(ms: number): Promise<void>;
}

/** The real wall clock; its sleep returns early when `signal` aborts. */
export function systemClock(signal?: AbortSignal): WallClock {
  return { now: () => Date.now(), sleep: createSleep(signal) };
}

// Re-read the wall clock at least this often, so an NTP step during a long wait is followed.
const MAX_SLEEP_MS = 10_000;

export interface StartWait {
  /** How far in the past the start time already was when the wait began (0 when it was ahead). */
  pastByMs: number;
  /** The wait was cut short by the signal. */
  aborted: boolean;
}

/** Sleeps until the wall clock reaches `target` (ms since the epoch); never returns early. */
export async function waitUntil(target: number, clock: WallClock, signal?: AbortSignal): Promise<StartWait> {
  const pastByMs = Math.max(0, clock.now() - target);
  for (let remaining = target - clock.now(); remaining > 0 && !signal?.aborted; remaining = target - clock.now()) {
    // Timers may fire a millisecond early: the loop sleeps again until the clock really is there.
    await clock.sleep(Math.min(remaining, MAX_SLEEP_MS));
  }
  return { pastByMs, aborted: signal?.aborted ?? false };
}
