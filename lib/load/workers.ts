/**
 * `--workers K`: the closed loop split across K worker threads, each with its
 * own event loop and transport, for machines where one core cannot drive the
 * load. Worker k sends global requests k, k+K, k+2K, ... at concurrency
 * ~N/K; its records come back in batches, already on the main thread's clock
 * and ids, and are merged into one sorted store.
 */
import { Worker } from 'node:worker_threads';
import { StreamBenchError } from '../record/errors.ts';
import type { RequestRecord } from '../record/record.ts';
import { RecordStore } from '../record/record-store.ts';
import type { RetryPolicy } from './retry.ts';
import type { LoadHooks, LoadResult } from './runner.ts';
import type { TransportName, TransportOptions, TransportRequest } from '../wire/transport.ts';

/** Everything a worker needs, as plain data (functions cannot cross threads). */
export interface WorkerLoadPlan {
  total: number;
  concurrency: number;
  /** Request i (0-based, global) is requests[i % requests.length]. */
  requests: TransportRequest[];
  /** A protocol name; undefined: each response's content-type picks it. */
  protocol: string | undefined;
  transport: TransportName;
  /** The pool's settings but its size (each worker sizes its own to its share). */
  transportOptions: Omit<TransportOptions, 'connections'>;
  timeoutMs: number;
  idleTimeoutMs?: number;
  collectText?: boolean;
  /** The requests ask for one JSON answer each (`"stream": false`). */
  nonStreaming?: boolean;
  maxEventSize?: number;
  retry?: RetryPolicy;
  /** The run's secret values: a worker scrubs error text with its own redactor built from them. */
  secrets: string[];
  /** Open the worker's connections before its first request (transport preconnect). */
  preconnect?: boolean;
}

/** The data a worker thread starts with. */
export interface WorkerInit {
  /** The worker's script, loaded by worker-bootstrap.mjs. */
  script: string;
  plan: WorkerLoadPlan;
  /** This worker's share. */
  index: number;
  workers: number;
  total: number;
  concurrency: number;
  /** The main thread's origin as an absolute time: performance.timeOrigin + origin. */
  originEpochMs: number;
}

export type WorkerMessage =
  | { type: 'batch'; started: number[]; records: RequestRecord[] }
  | { type: 'done'; interrupted: boolean; eventLoopDelayP99Ms: number };

export interface WorkersResult extends LoadResult {
  /** Each worker's event-loop delay p99, ms. */
  eventLoopDelaysMs: number[];
}

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);
const WORKER_SCRIPT = new URL('./worker-thread.ts', import.meta.url).href;

/** The share of `amount` that worker `index` of `workers` gets: the first (amount % workers) get one more. */
export function shareOf(amount: number, index: number, workers: number): number {
  return Math.floor(amount / workers) + (index < amount % workers ? 1 : 0);
}

/** The global 0-based request index of worker `index`'s n-th request (0-based). */
export function globalRequestIndex(n: number, index: number, workers: number): number {
  return n * workers + index;
}

export async function runInWorkers(plan: WorkerLoadPlan, workers: number, hooks: LoadHooks = {}): Promise<WorkersResult> {
  // Never more threads than requests in flight: each worker needs at least one.
  const count = Math.max(1, Math.min(workers, plan.concurrency, plan.total));
  const startedAt = new Date();
  const origin = performance.now();
  const originEpochMs = performance.timeOrigin + origin;
  const records = new RecordStore();
  const eventLoopDelaysMs: number[] = [];
  let interrupted = false;

  const threads = Array.from({ length: count }, (_, index) => {
    const init: WorkerInit = {
      script: WORKER_SCRIPT,
      plan,
      index,
      workers: count,
      total: shareOf(plan.total, index, count),
      concurrency: shareOf(plan.concurrency, index, count),
      originEpochMs,
    };
    return new Worker(BOOTSTRAP, { workerData: init });
  });
  const abortAll = () => {
    for (const thread of threads) thread.postMessage('abort');
  };
  if (hooks.signal?.aborted) abortAll();
  else hooks.signal?.addEventListener('abort', abortAll, { once: true });

  try {
    await Promise.all(
      threads.map(
        (thread, index) =>
          new Promise<void>((resolve, reject) => {
            let done = false;
            thread.on('message', (message: WorkerMessage) => {
              if (message.type === 'batch') {
                for (const id of message.started) hooks.onStart?.(id);
                for (const record of message.records) {
                  hooks.onComplete?.(record);
                  records.push(record);
                }
              } else {
                done = true;
                interrupted ||= message.interrupted;
                eventLoopDelaysMs.push(message.eventLoopDelayP99Ms);
              }
            });
            thread.once('error', (error) =>
              reject(new StreamBenchError('E_WORKER', `worker ${index + 1} of ${count} failed: ${error.message}`, { cause: error })),
            );
            thread.once('exit', (code) => {
              if (done) resolve();
              else reject(new StreamBenchError('E_WORKER', `worker ${index + 1} of ${count} exited with code ${code} before finishing`));
            });
          }),
      ),
    );
  } catch (error) {
    await Promise.all(threads.map((thread) => thread.terminate()));
    throw error;
  } finally {
    hooks.signal?.removeEventListener('abort', abortAll);
  }
  records.sortByIdThenAttempt();
  return { records, origin, startedAt, interrupted: interrupted || (hooks.signal?.aborted ?? false), unsent: 0, eventLoopDelaysMs };
}
