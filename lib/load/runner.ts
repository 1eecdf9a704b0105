/**
 * The two ways to apply load.
 *
 * Closed loop (runClosedLoop): requests go through a limiter of `concurrency`,
 * so a new request starts the moment one settles and never more than N are in
 * flight. A ramp-up raises the limit from 1 to N.
 *
 * Open loop (runOpenLoop): requests are sent at the schedule's arrival times
 * (schedule.ts), whether or not earlier ones have finished; an optional cap
 * holds them back, and the wait is recorded as send lag.
 *
 * Both: a request count and/or a duration (sending stops at the deadline;
 * requests still in flight `graceMs` later are aborted and marked), warm-up
 * requests flagged in their records, and an abort of the run signal that
 * stops new sends and aborts in-flight requests (recorded as "aborted").
 * Requests never sent are not recorded.
 */
import { createLimiter, type Limiter } from './limiter.ts';
import type { RequestRecord } from '../record/record.ts';
import { RecordStore } from '../record/record-store.ts';
import { DEADLINE_ABORT, executeRequest, type RequestContext } from '../wire/request.ts';
import { createRng } from '../util/random.ts';
import { isRetryable, retryDelayMs, type RetryPolicy } from './retry.ts';
import { concurrencyRampSteps, createSleep, driveArrivals } from './schedule.ts';
import type { TransportRequest } from '../wire/transport.ts';

export const DEFAULT_GRACE_MS = 30_000;

export interface PlanBase {
  /** Measured requests to send (warm-up excluded); Infinity to run until the duration ends. */
  total: number;
  /**
   * Builds request i (0-based, in send order, warm-up included); called just
   * before it is sent. Each run counts from 0, so every sweep level sends the same data rows.
   */
  buildRequest(index: number): TransportRequest;
  /**
   * The global 0-based index of this process's n-th request (warm-up included): a shard of N sends every N-th
   * (lib/shard.ts). Identity by default. buildRequest, tagRecord and the record id use the global index.
   */
  requestIndex?(n: number): number;
  /** Adds what request i was built from (its data row) to its record. */
  tagRecord?(index: number, record: RequestRecord): void;
  context: Omit<RequestContext, 'origin' | 'signal'>;
  /** Warm-up: the first `requests` requests, and those meant to start within the first `ms`. */
  warmup?: { requests?: number; ms?: number };
  /** Sending stops this long after the start (plus a time-based warm-up). */
  durationMs?: number;
  /** How long in-flight requests may finish after the deadline before they are aborted. */
  graceMs?: number;
  /** Timestamps are relative to it; a sweep shares one across levels. Default: now. */
  origin?: number;
  /** The first request id; default 1. */
  firstId?: number;
  /** Retry retryable failures (retry.ts); none by default. */
  retry?: RetryPolicy;
  /** False: records only reach hooks.onComplete, and the result's store stays empty (a worker thread posts them instead). */
  keepRecords?: boolean;
}

export interface LoadPlan extends PlanBase {
  concurrency: number;
  /** Concurrency rises linearly from 1 to `concurrency` over this long. */
  rampUpMs?: number;
}

export interface OpenLoopPlan extends PlanBase {
  /** Successive intended send times, ms after the start (schedule.ts createArrivalTimes). */
  arrivals: () => number;
  /** At most this many in flight; later arrivals wait (and that wait is send lag). */
  maxConcurrency?: number;
}

export interface LoadHooks {
  signal?: AbortSignal;
  onStart?(id: number): void;
  onComplete?(record: RequestRecord): void;
}

export interface LoadResult {
  /** Sorted by request id, then attempt. */
  records: RecordStore;
  /** performance.now() at the origin: timestamps in records are relative to it. */
  origin: number;
  startedAt: Date;
  interrupted: boolean;
  /** Open loop: arrivals still queued behind the cap when sending stopped, never sent. */
  unsent: number;
}

/** Closed loop: requests queued in one turn of the event loop before yielding to let them go out. */
const STARTS_PER_TURN = 16;

export async function runClosedLoop(plan: LoadPlan, hooks: LoadHooks = {}): Promise<LoadResult> {
  const run = startRun(plan, hooks);
  await driveClosedLoop(run, plan, async () => {
    const slot = run.claim(undefined);
    if (slot) await run.execute(slot);
  });
  return run.finish(0);
}

/**
 * Keeps `plan.concurrency` jobs queued or running until the run is exhausted;
 * each job claims its work when it actually starts, so a job started after the
 * end simply does nothing. A ramp-up raises the limit from 1.
 */
export async function driveClosedLoop(
  run: RunState,
  plan: Pick<LoadPlan, 'concurrency' | 'rampUpMs'>,
  job: () => Promise<void>,
  exhausted: () => boolean = run.exhausted,
): Promise<void> {
  const target = plan.concurrency;
  const steps = concurrencyRampSteps(target, plan.rampUpMs ?? 0);
  const limit = createLimiter(steps.length > 0 ? 1 : target);
  const stopRamp = followRamp(steps, limit, run.elapsed);
  let outstanding = 0;
  let settle!: () => void;
  const done = new Promise<void>((resolve) => (settle = resolve));
  let deferred = false;
  const resume = (): void => {
    deferred = false;
    feed();
  };
  const feed = (): void => {
    let queuedNow = 0;
    while (outstanding < target && !exhausted()) {
      // A burst (the first wave of N) is started in slices: between slices the loop connects and
      // sends what was started, so no request's clock runs while hundreds of others are created.
      if (queuedNow++ === STARTS_PER_TURN) {
        if (!deferred) {
          deferred = true;
          setImmediate(resume);
        }
        return;
      }
      outstanding++;
      limit(job)
        .catch(run.fail)
        .finally(() => {
          outstanding--;
          feed();
          if (outstanding === 0) settle();
        });
    }
  };
  feed();
  if (outstanding === 0) settle();
  await done;
  stopRamp();
}

export async function runOpenLoop(plan: OpenLoopPlan, hooks: LoadHooks = {}): Promise<LoadResult> {
  const run = startRun(plan, hooks);
  const limit = plan.maxConcurrency !== undefined ? createLimiter(plan.maxConcurrency) : undefined;
  const pending = new Set<Promise<void>>();
  let unsent = 0;
  await driveArrivals({
    nextTime: plan.arrivals,
    now: run.elapsed,
    sleep: createSleep(run.signal),
    stopAt: run.deadlineMs,
    stopped: run.halted,
    dispatch: (intendedMs) => {
      const slot = run.claim(intendedMs);
      if (!slot) return false;
      // Sent at once (no cap, or a free slot): claim() took it as meant before the
      // deadline, so it goes even when the wake-up was late. Queued behind the cap,
      // sending may stop (deadline, interrupt) while it waits.
      let queued = false;
      const send = async () => {
        if (queued ? run.stopped() : run.halted()) unsent++;
        else await run.execute(slot);
      };
      const task: Promise<void> = (limit ? limit(send) : send()).catch(run.fail).finally(() => pending.delete(task));
      queued = true;
      pending.add(task);
      return true;
    },
  });
  while (pending.size > 0) await Promise.all(pending);
  return run.finish(unsent);
}

export interface Slot {
  index: number;
  id: number;
  warmup: boolean;
  /** ms since origin; undefined in a closed loop (intended = actual). */
  intendedAt: number | undefined;
}

/** What a run's loops share (conversations.ts too): origin, deadline and grace, warm-up, claiming ids, collecting records. */
export type RunState = ReturnType<typeof startRun>;

/** Starts a run's shared state; the loops drive it. */
export function startRun(plan: PlanBase, hooks: LoadHooks) {
  const startedAt = new Date();
  const origin = plan.origin ?? performance.now();
  const start = performance.now() - origin;
  const elapsed = () => performance.now() - origin - start;
  const warmupRequests = plan.warmup?.requests ?? 0;
  const warmupMs = plan.warmup?.ms ?? 0;
  const deadlineMs = plan.durationMs !== undefined ? warmupMs + plan.durationMs : undefined;

  const deadline = new AbortController();
  const signal = hooks.signal ? AbortSignal.any([hooks.signal, deadline.signal]) : deadline.signal;
  const graceTimer =
    deadlineMs !== undefined
      ? setTimeout(() => deadline.abort(DEADLINE_ABORT), deadlineMs + (plan.graceMs ?? DEFAULT_GRACE_MS))
      : undefined;
  const context: RequestContext = { ...plan.context, origin, signal };
  const records = new RecordStore();
  const firstId = plan.firstId ?? 1;
  let claimed = 0;
  let measured = 0;
  let failure: unknown;
  let retryRng: ReturnType<typeof createRng> | undefined;
  const sleep = createSleep(signal);

  const pastDeadline = (time: number) => deadlineMs !== undefined && time >= deadlineMs;
  /** Interrupted, grace over, or failed: nothing more may be sent. */
  const halted = () => failure !== undefined || signal.aborted;
  const stopped = () => halted() || pastDeadline(elapsed());
  const exhausted = () => stopped() || measured >= plan.total;

  return {
    signal,
    deadlineMs,
    /** performance.now() - origin at the run's start: ms since the start plus this are ms since the origin. */
    start,
    elapsed,
    halted,
    stopped,
    exhausted,
    /**
     * The next request, meant for `intendedMs` after the start (closed loop:
     * now); undefined when done. An arrival meant before the deadline is sent
     * even when the wake-up was late: its lag is recorded, not dropped.
     * `warmup` decides for the caller (a conversation's turns share theirs).
     */
    claim(intendedMs: number | undefined, isWarmup?: boolean): Slot | undefined {
      if (halted() || measured >= plan.total) return undefined;
      if (pastDeadline(intendedMs ?? elapsed())) return undefined;
      const n = claimed++;
      const warmup = isWarmup ?? (n < warmupRequests || (intendedMs ?? elapsed()) < warmupMs);
      if (!warmup) measured++;
      const index = plan.requestIndex?.(n) ?? n;
      return { index, id: firstId + index, warmup, intendedAt: intendedMs === undefined ? undefined : start + intendedMs };
    },
    /**
     * Sends the slot's request, and with a retry policy retries a retryable
     * failure: each attempt is its own record (same id, `attempt` 2, 3, ...).
     * The wait holds the caller's concurrency slot (closed loop: the user
     * waits, then tries again). No retry once the run is interrupted, or when
     * it would start past the --duration deadline. Returns the last attempt's
     * record. `request` and `tag` replace buildRequest and tagRecord (a conversation's turn).
     */
    async execute(
      slot: Slot,
      request: TransportRequest = plan.buildRequest(slot.index),
      tag: ((record: RequestRecord) => void) | undefined = plan.tagRecord && ((record) => plan.tagRecord!(slot.index, record)),
    ): Promise<RequestRecord> {
      for (let attempt = 1; ; attempt++) {
        hooks.onStart?.(slot.id);
        // A retry is sent when its wait ends: no send lag of its own.
        const record = await executeRequest(slot.id, request, context, attempt === 1 ? slot.intendedAt : undefined);
        if (attempt > 1) record.attempt = attempt;
        tag?.(record);
        record.warmup = slot.warmup;
        // Hooks first: they may tag the record (its sweep level), and the store keeps a packed copy.
        hooks.onComplete?.(record);
        if (plan.keepRecords !== false) records.push(record);
        const retry = plan.retry;
        if (!retry || attempt > retry.retries || !isRetryable(record) || halted()) return record;
        const delay = retryDelayMs(retry, attempt, record, (retryRng ??= createRng(retry.seed)), Date.now());
        if (pastDeadline(elapsed() + delay)) return record;
        await sleep(delay);
        if (stopped()) return record;
      }
    },
    /** A bug or bad input while sending (buildRequest threw): stop, and rethrow at the end. */
    fail(error: unknown): void {
      failure ??= error;
    },
    finish(unsent: number): LoadResult {
      clearTimeout(graceTimer);
      if (failure !== undefined) throw failure;
      records.sortByIdThenAttempt();
      return { records, origin, startedAt, interrupted: hooks.signal?.aborted ?? false, unsent };
    },
  };
}

/** Raises the limiter's concurrency at each ramp step; returns a stop function. */
function followRamp(steps: Array<{ atMs: number; concurrency: number }>, limit: Limiter, elapsed: () => number): () => void {
  let next = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const step = steps[next];
    if (!step) return;
    timer = setTimeout(() => {
      // Timers can fire ~1 ms early or late: apply every step that is due.
      for (let due = steps[next]; due && due.atMs <= elapsed() + 1; due = steps[next]) {
        limit.concurrency = due.concurrency;
        next++;
      }
      arm();
    }, Math.max(0, step.atMs - elapsed()));
  };
  arm();
  return () => clearTimeout(timer);
}
