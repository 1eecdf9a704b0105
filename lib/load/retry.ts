/**
 * Optional retries (--retries N). A load test must see failures, so there are
 * none by default; with them, each attempt is its own record (same id,
 * `attempt` 2, 3, ...) and the first failure stays in the results and in the
 * error counts. Only failures a retry can fix are retried: a refused or broken
 * connection, a timeout before the headers, HTTP 429 and 5xx.
 */
import type { RequestRecord } from '../record/record.ts';
import type { Rng } from '../util/random.ts';

export interface RetryPolicy {
  /** Retries after the first attempt, at most. */
  retries: number;
  /** Backoff before retry k: baseMs * 2^(k-1), capped at maxMs, with jitter. */
  baseMs: number;
  /** The longest wait before a retry, Retry-After included. */
  maxMs: number;
  /** Seeds the jitter (config seed; 0 without one), so a run's waits can be repeated. */
  seed: number;
}

export const DEFAULT_RETRY_BACKOFF_MS = 500;
export const DEFAULT_RETRY_MAX_WAIT_MS = 30_000;

export function isRetryable(record: RequestRecord): boolean {
  const error = record.error;
  if (!error) return false;
  switch (error.kind) {
    case 'connect':
      return true;
    case 'timeout':
      // Once the headers are in, the server took the request: a retry would measure a different thing.
      return record.headersAt === undefined;
    case 'http':
      return error.status === 429 || (error.status !== undefined && error.status >= 500);
    default:
      return false;
  }
}

/**
 * Retry-After in ms: delta-seconds (fractions accepted) or an HTTP date
 * (compared with the wall clock `nowEpochMs`, as the server meant it);
 * undefined when unreadable.
 */
export function retryAfterMs(value: string, nowEpochMs: number): number | undefined {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its day and month; Date.parse alone would take "-3" for a year.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowEpochMs);
}

/**
 * The wait before retry `retry` (1-based) after a failed attempt: exponential
 * backoff with "equal jitter" (half fixed, half random from the seeded rng), or
 * the server's Retry-After when longer; never more than maxMs.
 */
export function retryDelayMs(policy: RetryPolicy, retry: number, record: RequestRecord, rng: Rng, nowEpochMs: number): number {
  const backoff = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  const jittered = backoff / 2 + (rng() * backoff) / 2;
  const header = record.error?.retryAfter;
  const asked = header !== undefined ? retryAfterMs(header, nowEpochMs) : undefined;
  return Math.min(policy.maxMs, Math.max(jittered, asked ?? 0));
}
