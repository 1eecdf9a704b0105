/**
 * One worker thread of `--workers`: runs its share of the closed loop on its
 * own event loop and posts records to the main thread in batches (one
 * message per batch keeps the relay cheap).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { protocolByName } from '../wire/protocols/registry.ts';
import type { RequestRecord } from '../record/record.ts';
import { createRedactor } from '../wire/redact.ts';
import { runClosedLoop } from './runner.ts';
import { monitorLoopDelay } from '../stats/selfcheck.ts';
import { createTransport } from '../wire/create-transport.ts';
import { globalRequestIndex, type WorkerInit, type WorkerMessage } from './workers.ts';

const BATCH_INTERVAL_MS = 100;

const init = workerData as WorkerInit;
const port = parentPort!;
const { plan, index, workers } = init;
const controller = new AbortController();
port.on('message', (message) => {
  if (message === 'abort') controller.abort('SIGINT');
});

let started: number[] = [];
let completed: RequestRecord[] = [];
const flush = () => {
  if (started.length === 0 && completed.length === 0) return;
  const message: WorkerMessage = { type: 'batch', started, records: completed };
  port.postMessage(message);
  started = [];
  completed = [];
};
const timer = setInterval(flush, BATCH_INTERVAL_MS);

const loop = monitorLoopDelay();
const transport = createTransport(plan.transport, { ...plan.transportOptions, connections: init.concurrency });
const protocol = plan.protocol === undefined ? undefined : protocolByName(plan.protocol);
const redact = createRedactor(plan.secrets).text;
if (plan.preconnect && plan.requests[0]) await transport.preconnect?.(plan.requests[0].url, init.concurrency, controller.signal);
const result = await runClosedLoop(
  {
    total: init.total,
    concurrency: init.concurrency,
    // The main thread's origin on this thread's clock: timestamps need no conversion later.
    origin: init.originEpochMs - performance.timeOrigin,
    // Ids and requests use the global index: worker k of K sends requests k, k+K, k+2K, ...
    requestIndex: (n) => globalRequestIndex(n, index, workers),
    buildRequest: (global) => plan.requests[global % plan.requests.length]!,
    retry: plan.retry,
    // Every record is posted to the main thread, which keeps them: a copy here would only cost memory.
    keepRecords: false,
    context: {
      transport,
      protocol,
      timeoutMs: plan.timeoutMs,
      idleTimeoutMs: plan.idleTimeoutMs,
      collectText: plan.collectText,
      nonStreaming: plan.nonStreaming,
      maxEventSize: plan.maxEventSize,
      redact,
    },
  },
  {
    signal: controller.signal,
    onStart: (id) => started.push(id),
    onComplete: (record) => completed.push(record),
  },
);
clearInterval(timer);
flush();
transport.close?.();
const done: WorkerMessage = { type: 'done', interrupted: result.interrupted, eventLoopDelayP99Ms: loop.stop() };
port.postMessage(done);
port.close();
