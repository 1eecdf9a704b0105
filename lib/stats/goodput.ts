/**
 * Goodput: the share and rate of requests that met every SLO. Latencies are
 * taken from the intended send time (what a user arriving on schedule feels;
 * in a closed loop that is the actual send). A failed request never meets an
 * SLO. A response of one token has no TPOT, so a TPOT SLO cannot fail it.
 */
import { totalTimeFromIntended, tpot, ttftFromIntended } from './metrics.ts';
import type { Records, RequestRecord } from '../record/record.ts';
import { UsageError } from '../record/errors.ts';

export const SLO_METRICS = ['ttft', 'tpot', 'e2e'] as const;
export type SloMetric = (typeof SLO_METRICS)[number];
/** Limits in seconds; a missing metric is not checked. */
export type Slo = Partial<Record<SloMetric, number>>;

export interface Goodput {
  slo: Slo;
  /** Requests that met every SLO. */
  met: number;
  /** met / requests measured, 0..1. */
  share: number;
  /** met / wall time, requests per second. */
  per_second: number;
}

export function meetsSlo(r: RequestRecord, slo: Slo): boolean {
  if (r.error) return false;
  const within = (value: number | undefined, limit: number | undefined, missingPasses: boolean) =>
    limit === undefined || (value === undefined ? missingPasses : value <= limit);
  return (
    within(ttftFromIntended(r), slo.ttft, false) &&
    within(tpot(r), slo.tpot, true) &&
    within(totalTimeFromIntended(r), slo.e2e, false)
  );
}

export function goodput(records: Records, slo: Slo, wallSeconds: number): Goodput {
  const counter = new GoodputCounter(slo);
  for (const r of records) counter.add(r);
  return counter.finish(wallSeconds);
}

/** goodput() one record at a time, for a caller already passing over the records. */
export class GoodputCounter {
  private met = 0;
  private requests = 0;

  constructor(private readonly slo: Slo) {}

  add(r: RequestRecord): void {
    // A retry is another attempt at a request, not another request.
    if (r.attempt === undefined) this.requests++;
    if (meetsSlo(r, this.slo)) this.met++;
  }

  finish(wallSeconds: number): Goodput {
    const { slo, met, requests } = this;
    return {
      slo,
      met,
      share: requests > 0 ? met / requests : 0,
      per_second: wallSeconds > 0 ? met / wallSeconds : 0,
    };
  }
}

/**
 * The --slo flag: "ttft=0.5,tpot=50ms,e2e=10" -> { ttft: "0.5", tpot: "50ms", e2e: "10" }.
 * Only the form is checked here; names and values are checked by the config schema.
 */
export function parseSloFlag(text: string): Record<string, string> {
  const slo: Record<string, string> = {};
  for (const part of text.split(',')) {
    const [name, value, extra] = part.split('=').map((piece) => piece.trim());
    if (!name || !value || extra !== undefined) {
      throw new UsageError(`--slo: expected ${SLO_METRICS.map((m) => `${m}=SECONDS`).join(',')}, got ${JSON.stringify(part)}`);
    }
    slo[name] = value;
  }
  return slo;
}
