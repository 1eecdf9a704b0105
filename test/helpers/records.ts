/** Synthetic request records for pure-function tests: timestamps in ms since the origin. */
import type { RequestRecord } from '../../lib/record/record.ts';

/**
 * A successful request started at `start` whose tokens arrive at `ttft` and then
 * every `itl` ms; anything can be overridden.
 */
export function makeRecord(
  overrides: Partial<RequestRecord> & { start?: number; ttft?: number; itl?: number; tokens?: number } = {},
): RequestRecord {
  const { start = 0, ttft = 100, itl = 10, tokens = 5, ...rest } = overrides;
  const tokenTimes = Array.from({ length: tokens }, (_, i) => start + ttft + i * itl);
  const last = tokenTimes.at(-1) ?? start;
  return {
    id: 1,
    startedAt: start,
    intendedAt: start,
    headersAt: start + 1,
    firstByteAt: start + 1,
    firstTokenAt: tokenTimes[0],
    firstAnswerAt: tokenTimes[0],
    tokenTimes,
    reasoningTokens: 0,
    endedAt: last + 1,
    status: 200,
    bytes: 100,
    chunks: tokens + 1,
    sawEndMarker: true,
    ...rest,
  };
}

export function failedRecord(overrides: Partial<RequestRecord> & { start?: number } = {}): RequestRecord {
  return makeRecord({
    tokens: 0,
    firstTokenAt: undefined,
    firstAnswerAt: undefined,
    status: 503,
    error: { kind: 'http', message: '[POST] "http://x": 503', status: 503 },
    ...overrides,
  });
}
