/**
 * The client's self-check: is the load generator itself the bottleneck? A
 * busy event loop delays every timestamp it takes, so a run whose loop lagged
 * or whose CPU was saturated over-reports latency. Every run records both.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { ScrapeCost } from '../server-metrics/block.ts';

/** The results file's `selfcheck` field. */
export interface SelfCheck {
  /** p99 of the event-loop delay over the run, ms; the worst loop when workers are used. */
  event_loop_delay_p99_ms: number;
  /** Process CPU time / wall time, in percent of one core (can exceed 100 with workers). */
  cpu_percent: number;
  /** True when the delay p99 exceeded 5 ms or, over a run of 1 s or more, the CPU exceeded 90% of the cores driving load. */
  client_bound: boolean;
  /** What scraping the server's metrics cost the client (--server-metrics). */
  server_metrics?: ScrapeCost;
}

export const ELD_LIMIT_MS = 5;
export const CPU_LIMIT_PERCENT = 90;
// Under a second, start-up work (compiling, GC, connection set-up) dominates the CPU ratio: it is recorded, not judged.
export const CPU_MIN_WALL_MS = 1000;
// The histogram samples every RESOLUTION ms and records the whole interval; the delay is the excess.
const RESOLUTION_MS = 2;

export interface LoopDelayMonitor {
  /** Stops sampling; returns the p99 delay in ms. */
  stop(): number;
}

/** Samples this thread's event-loop delay until stopped. */
export function monitorLoopDelay(): LoopDelayMonitor {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      if (histogram.count === 0) return 0;
      return Math.max(0, histogram.percentile(99) / 1e6 - RESOLUTION_MS);
    },
  };
}

export interface SelfCheckMonitor {
  /** `workerDelaysMs`: the p99 delays measured inside worker threads, if any. */
  stop(workerDelaysMs?: readonly number[]): SelfCheck;
}

/**
 * Starts the self-check for a run whose load is driven by `loops` event loops
 * (1, or the number of worker threads).
 */
export function startSelfCheck(loops = 1): SelfCheckMonitor {
  const loop = monitorLoopDelay();
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  return {
    stop(workerDelaysMs = []) {
      const ownDelay = loop.stop();
      const cpu = process.cpuUsage(cpuStart);
      const wall = performance.now() - wallStart;
      const cpuMs = (cpu.user + cpu.system) / 1000;
      // With workers the main thread only relays records: the load's loops are the workers'.
      const delay = workerDelaysMs.length > 0 ? Math.max(...workerDelaysMs) : ownDelay;
      return judgeSelfCheck(delay, wall > 0 ? (cpuMs / wall) * 100 : 0, loops, wall);
    },
  };
}

/** Pure: the self-check from its measurements; `wallMs`, the window the CPU was measured over. */
export function judgeSelfCheck(eventLoopDelayP99Ms: number, cpuPercent: number, loops: number, wallMs = Infinity): SelfCheck {
  const cpuBound = wallMs >= CPU_MIN_WALL_MS && cpuPercent > CPU_LIMIT_PERCENT * loops;
  const round2 = (value: number) => Math.round(value * 100) / 100;
  return {
    event_loop_delay_p99_ms: round2(eventLoopDelayP99Ms),
    cpu_percent: round2(cpuPercent),
    client_bound: eventLoopDelayP99Ms > ELD_LIMIT_MS || cpuBound,
  };
}
