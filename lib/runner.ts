/**
 * Closed-loop load: `total` requests through a limiter of `concurrency`, so a
 * new request starts the moment one settles and never more than N are in
 * flight. An abort of the run signal stops new starts and aborts in-flight
 * requests (they are recorded as "aborted"); requests never started are not
 * recorded.
 */
import { createLimiter } from './limiter.ts';
import type { RequestRecord } from './record.ts';
import { executeRequest, type RequestContext } from './request.ts';
import type { TransportRequest } from './transport.ts';

export interface LoadPlan {
  total: number;
  concurrency: number;
  /** Builds request i (0-based); called just before it is sent. */
  buildRequest(index: number): TransportRequest;
  /** Adds what request i was built from (its data row) to its record. */
  tagRecord?(index: number, record: RequestRecord): void;
  context: Omit<RequestContext, 'origin' | 'signal'>;
  /** performance.now() value to measure from (a worker thread passes the main thread's origin); default: now. */
  origin?: number;
}

export interface LoadHooks {
  signal?: AbortSignal;
  onStart?(id: number): void;
  onComplete?(record: RequestRecord): void;
}

export interface LoadResult {
  /** Sorted by request id. */
  records: RequestRecord[];
  /** performance.now() at the start: timestamps in records are relative to it. */
  origin: number;
  startedAt: Date;
  interrupted: boolean;
}

/** Requests started in one turn of the event loop before yielding to let them go out. */
const STARTS_PER_TURN = 16;

export async function runClosedLoop(plan: LoadPlan, hooks: LoadHooks = {}): Promise<LoadResult> {
  const limit = createLimiter(plan.concurrency);
  const startedAt = new Date();
  const origin = plan.origin ?? performance.now();
  const context: RequestContext = { ...plan.context, origin, signal: hooks.signal };
  const records: RequestRecord[] = [];

  // Submit lazily, one task per free slot, rather than all `total` up front:
  // a 100,000-request run then never holds 100,000 queued closures.
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let settled = 0;
    const run = async (index: number) => {
      if (hooks.signal?.aborted) return;
      const id = index + 1;
      hooks.onStart?.(id);
      const record = await executeRequest(id, plan.buildRequest(index), context);
      plan.tagRecord?.(index, record);
      records.push(record);
      hooks.onComplete?.(record);
    };
    // Our own count, not the limiter's: this callback can run before the limiter frees the slot,
    // and the limiter then starts the task we queue here the moment it does.
    const onSettled = () => {
      settled++;
      submit();
    };
    let deferred = false;
    const resume = () => {
      deferred = false;
      submit();
    };
    const submit = () => {
      let startedNow = 0;
      while (next < plan.total && !hooks.signal?.aborted && next - settled < limit.concurrency) {
        // A burst (the first wave of N) starts in slices: between slices the loop connects and sends
        // what was started, so no request's clock runs while hundreds of others are being created.
        if (startedNow === STARTS_PER_TURN) {
          if (!deferred) {
            deferred = true;
            setImmediate(resume);
          }
          return;
        }
        startedNow++;
        // A throwing hook fails the run, as Promise.all over the tasks did.
        limit(run.bind(undefined, next++)).then(onSettled, reject);
      }
      if (settled === next && (next === plan.total || hooks.signal?.aborted)) resolve();
    };
    submit();
  });
  records.sort((a, b) => a.id - b.id);
  return { records, origin, startedAt, interrupted: hooks.signal?.aborted ?? false };
}
