/**
 * Closed-loop load: `total` requests through a limiter of `concurrency`, so a
 * new request starts the moment one settles and never more than N are in
 * flight. An abort of the run signal stops new starts and aborts in-flight
 * requests (they are recorded as "aborted"); requests never started are not
 * recorded.
 */
import { setMaxListeners } from 'node:events';
import { createLimiter } from './limiter.ts';
import type { RequestRecord } from './record.ts';
import { executeRequest, type RequestContext } from './request.ts';
import type { TransportRequest } from './transport.ts';

export interface LoadPlan {
  /** Requests this process sends. */
  total: number;
  concurrency: number;
  /**
   * The global 0-based index of this process's n-th request (a shard sends
   * every N-th); identity by default. Record ids are global index + 1.
   */
  requestIndex?(n: number): number;
  /** Builds the request with global index i (0-based); called just before it is sent. */
  buildRequest(index: number): TransportRequest;
  /** Adds what request i was built from (its data row) to its record. */
  tagRecord?(index: number, record: RequestRecord): void;
  context: Omit<RequestContext, 'origin' | 'signal'>;
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

export async function runClosedLoop(plan: LoadPlan, hooks: LoadHooks = {}): Promise<LoadResult> {
  const limit = createLimiter(plan.concurrency);
  const startedAt = new Date();
  const origin = performance.now();
  const context: RequestContext = { ...plan.context, origin, signal: hooks.signal };
  // Each in-flight request listens on the run signal: N listeners at concurrency N are expected, not a leak.
  if (hooks.signal) setMaxListeners(plan.concurrency + 10, hooks.signal);
  const records: RequestRecord[] = [];

  const tasks: Array<Promise<void>> = [];
  for (let n = 0; n < plan.total; n++) {
    const index = plan.requestIndex?.(n) ?? n;
    tasks.push(
      limit(async () => {
        if (hooks.signal?.aborted) return;
        const id = index + 1;
        hooks.onStart?.(id);
        const record = await executeRequest(id, plan.buildRequest(index), context);
        plan.tagRecord?.(index, record);
        records.push(record);
        hooks.onComplete?.(record);
      }),
    );
  }
  await Promise.all(tasks);
  records.sort((a, b) => a.id - b.id);
  return { records, origin, startedAt, interrupted: hooks.signal?.aborted ?? false };
}
