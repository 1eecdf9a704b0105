/**
 * Per-request metrics, derived from a RequestRecord by pure functions. Each
 * returns undefined when the record cannot support it (failed request, no
 * token, too few tokens). Durations are returned in seconds.
 */
import type { RequestRecord } from '../record/record.ts';

const toSeconds = (ms: number) => ms / 1000;

export function succeeded(r: RequestRecord): boolean {
  return r.error === undefined;
}

/** Time to first byte: send to first body byte. */
export function ttfb(r: RequestRecord): number | undefined {
  if (!succeeded(r) || r.firstByteAt === undefined) return undefined;
  return toSeconds(r.firstByteAt - r.startedAt);
}

/** Time to first token: send to the first event with non-empty text of any kind. */
export function ttft(r: RequestRecord): number | undefined {
  if (!succeeded(r) || r.firstTokenAt === undefined) return undefined;
  return toSeconds(r.firstTokenAt - r.startedAt);
}

/** Time to first answer token: send to the first non-reasoning token. */
export function ttfat(r: RequestRecord): number | undefined {
  if (!succeeded(r) || r.firstAnswerAt === undefined) return undefined;
  return toSeconds(r.firstAnswerAt - r.startedAt);
}

/** End-to-end time: send to end of stream. */
export function totalTime(r: RequestRecord): number | undefined {
  if (!succeeded(r)) return undefined;
  return toSeconds(r.endedAt - r.startedAt);
}

export const TOKEN_SOURCES = ['usage', 'tokenizer', 'events'] as const;
export type TokenSource = (typeof TOKEN_SOURCES)[number];

/**
 * Where a request's output-token count comes from: the server's usage report
 * when it gave one, else a tokenizer estimate when --tokenizer asked for one,
 * else the number of token events. Never the requested max_tokens.
 */
export function outputTokenSource(r: RequestRecord): TokenSource {
  if (r.usage?.outputTokens !== undefined) return 'usage';
  if (r.tokenizerTokens !== undefined) return 'tokenizer';
  return 'events';
}

export function outputTokens(r: RequestRecord): number {
  return r.usage?.outputTokens ?? r.tokenizerTokens ?? r.tokenTimes.length;
}

/** The number of token events seen in the stream (messages carrying text). */
export function tokenEvents(r: RequestRecord): number {
  return r.tokenTimes.length;
}

/**
 * True when the server reported an output-token count that differs from the
 * token events counted: the stream bundles several tokens per event (or drops
 * some), so per-event ITL is not per-token time.
 */
export function tokenCountMismatch(r: RequestRecord): boolean {
  // A non-streaming answer has no token events to compare with.
  if (r.nonStreaming) return false;
  const reported = r.usage?.outputTokens;
  return reported !== undefined && reported !== r.tokenTimes.length;
}

/**
 * A successful stream that ended without its protocol's end marker ([DONE],
 * message_stop, response.completed, finishReason, Ollama done): the tokens
 * arrived, so it counts as a success, flagged truncated.
 */
export function truncated(r: RequestRecord): boolean {
  return succeeded(r) && !r.sawEndMarker;
}

/** Output tokens divided by the end-to-end time (the original tool's tokens/s). */
export function tokensPerSecond(r: RequestRecord): number | undefined {
  const total = totalTime(r);
  if (total === undefined || total <= 0) return undefined;
  return outputTokens(r) / total;
}

/** Time per output token after the first: (last token - first token) / (output tokens - 1). */
export function tpot(r: RequestRecord): number | undefined {
  if (!succeeded(r) || r.firstTokenAt === undefined) return undefined;
  const n = outputTokens(r);
  const last = r.tokenTimes[r.tokenTimes.length - 1];
  if (n < 2 || last === undefined) return undefined;
  return toSeconds(last - r.firstTokenAt) / (n - 1);
}

/** Inter-token latencies: every gap between consecutive token events. */
export function interTokenLatencies(r: RequestRecord): number[] {
  if (!succeeded(r)) return [];
  const gaps: number[] = [];
  for (let i = 1; i < r.tokenTimes.length; i++) {
    gaps.push(toSeconds((r.tokenTimes[i] as number) - (r.tokenTimes[i - 1] as number)));
  }
  return gaps;
}

/** The longest gap between consecutive token events (the worst stall a reader saw). */
export function maxStall(r: RequestRecord): number | undefined {
  if (!succeeded(r) || r.tokenTimes.length < 2) return undefined;
  let longest = 0;
  for (let i = 1; i < r.tokenTimes.length; i++) {
    const gap = (r.tokenTimes[i] as number) - (r.tokenTimes[i - 1] as number);
    // Stryker disable next-line EqualityOperator: an equal gap leaves the maximum the same
    if (gap > longest) longest = gap;
  }
  return toSeconds(longest);
}

/** When the schedule meant to send it (ms); the send time when it has no schedule (closed loop). */
function intendedStart(r: RequestRecord): number {
  return r.intendedAt ?? r.startedAt;
}

/** Send lag: intended send to actual send (client busy, concurrency cap). Known for failed requests too. */
export function sendLag(r: RequestRecord): number {
  return toSeconds(r.startedAt - intendedStart(r));
}

/** TTFT from the intended send: what a user arriving on schedule waits for the first token. */
export function ttftFromIntended(r: RequestRecord): number | undefined {
  if (!succeeded(r) || r.firstTokenAt === undefined) return undefined;
  return toSeconds(r.firstTokenAt - intendedStart(r));
}

/** End-to-end time from the intended send. */
export function totalTimeFromIntended(r: RequestRecord): number | undefined {
  if (!succeeded(r)) return undefined;
  return toSeconds(r.endedAt - intendedStart(r));
}
