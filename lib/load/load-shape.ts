/**
 * The load shape of a run, resolved from the config: closed loop at a
 * concurrency, or open loop at a rate; a request count or a duration; warm-up
 * and ramp-up. runLoadShape picks the loop and runs it, so the run command
 * only has to choose between one run and a sweep.
 */
import { isOpenLoop, type Arrival, type Config } from '../config/config.ts';
import { formatDuration, parseDuration } from '../util/duration.ts';
import { UsageError } from '../record/errors.ts';
import { createRng } from '../util/random.ts';
import { runClosedLoop, runOpenLoop, type LoadHooks, type LoadPlan, type LoadResult } from './runner.ts';
import type { RetryPolicy } from './retry.ts';
import { createArrivalTimes } from './schedule.ts';
import { runConversations, type ConversationSource } from './conversations.ts';
import { describeDistribution } from '../util/distribution.ts';
import type { SweepSpec } from './sweep.ts';

export interface LoadShape {
  /** Closed loop: requests in flight. */
  concurrency: number;
  /** Open loop when set: requests per second. */
  rate?: number;
  arrival: Arrival;
  burstiness?: number;
  /** Seeds the open-loop arrival schedule (validateConfig picks one when none is given). */
  seed?: number;
  maxConcurrency?: number;
  /** Measured requests; Infinity with a duration. */
  total: number;
  durationMs?: number;
  graceMs: number;
  warmup?: { requests?: number; ms?: number };
  rampUpMs?: number;
  /** --retries: retry retryable failures (retry.ts). */
  retry?: RetryPolicy;
  /** Replays a trace's timestamps (an open loop without a rate); `total` and `concurrency` do not apply. */
  trace?: { speedup: number };
  /** Conversations: total_requests and concurrency (or rate) count conversations; each sends these turns. */
  conversations?: { turns: string };
}

/** What a load needs besides its shape; with `conversations`, they build the requests (buildRequest is not called). */
export type LoadTarget = Pick<LoadPlan, 'buildRequest' | 'tagRecord' | 'requestIndex' | 'context' | 'origin' | 'firstId'> & {
  conversations?: ConversationSource;
};

export interface ResolvedShape {
  shape: LoadShape;
  notes: string[];
}

/** Checks combinations the schema cannot, and resolves defaults. */
export function loadShapeFromConfig(config: Config): ResolvedShape {
  const openLoop = isOpenLoop(config);
  const needsRate = (field: string, flag: string) =>
    new UsageError(`${field} (${flag}) applies to an open-loop run: set rate (--rate) or sweep rate`);
  if (!openLoop) {
    if (config.max_concurrency !== undefined) throw needsRate('max_concurrency', '--max-concurrency');
    if (config.arrival !== undefined) throw needsRate('arrival', '--arrival');
    if (config.burstiness !== undefined) throw needsRate('burstiness', '--burstiness');
  }
  if (config.burstiness !== undefined && config.arrival !== undefined && config.arrival !== 'gamma') {
    throw new UsageError(`burstiness (--burstiness) applies to arrival gamma, not ${config.arrival}`);
  }
  if (config.sweep?.parameter === 'concurrency' && config.rate !== undefined) {
    throw new UsageError('sweep concurrency runs closed loops at each level: drop rate (--rate), or sweep rate');
  }
  checkConversationFields(config);

  const notes: string[] = [];
  const warmup = parseWarmup(config.warmup);
  const total = config.duration !== undefined ? Infinity : config.total_requests;
  let concurrency = config.concurrency;
  const sendable = total + (warmup?.requests ?? 0);
  if (!openLoop && config.sweep === undefined && concurrency > sendable) {
    notes.push(`note: concurrency ${concurrency} > ${config.turns !== undefined ? 'conversations' : 'requests'} ${sendable}; using ${sendable}`);
    concurrency = sendable;
  }
  const crowded = config.sweep?.parameter === 'concurrency' ? config.sweep.values.filter((level) => level > sendable) : [];
  if (crowded.length > 0) {
    notes.push(`note: sweep level${crowded.length > 1 ? 's' : ''} ${crowded.join(', ')} > requests ${sendable} per level; at most ${sendable} in flight there`);
  }
  const shape: LoadShape = {
    concurrency,
    arrival: config.arrival ?? (config.burstiness !== undefined ? 'gamma' : 'poisson'),
    total,
    graceMs: config.grace * 1000,
  };
  if (config.rate !== undefined) shape.rate = config.rate;
  if (openLoop && config.seed !== undefined) shape.seed = config.seed;
  if (config.burstiness !== undefined) shape.burstiness = config.burstiness;
  if (config.max_concurrency !== undefined) shape.maxConcurrency = config.max_concurrency;
  if (config.duration !== undefined) shape.durationMs = config.duration * 1000;
  if (warmup) shape.warmup = warmup;
  if (config.ramp_up) shape.rampUpMs = config.ramp_up * 1000;
  if (config.retries > 0) {
    shape.retry = { retries: config.retries, baseMs: config.retry_backoff * 1000, maxMs: config.retry_max_wait * 1000, seed: config.seed ?? 0 };
  }
  if (config.trace) shape.trace = { speedup: config.trace.speedup };
  if (config.turns !== undefined) shape.conversations = { turns: describeTurns(config.turns) };
  return { shape, notes };
}

/** What conversations and traces cannot be combined with, and what only they take. */
function checkConversationFields(config: Config): void {
  if (config.think_time !== undefined && config.turns === undefined && !config.trace) {
    throw new UsageError('think_time (--think-time) applies to conversations: set turns (--turns)');
  }
  if (!config.trace) return;
  const conflicts = [
    config.turns !== undefined && "turns (--turns): a trace's sessions are its conversations",
    config.think_time !== undefined && "think_time (--think-time): a trace's turns carry their own timestamps or delays",
    config.rate !== undefined && 'rate (--rate): the trace sets the send times; --trace-speedup scales them',
    config.sweep !== undefined && 'a sweep',
    config.ramp_up !== undefined && 'ramp_up (--ramp-up)',
    config.arrival !== undefined && 'arrival (--arrival)',
    config.burstiness !== undefined && 'burstiness (--burstiness)',
    config.data_source !== undefined && 'a data_source (--data): the trace is the data',
  ].filter((item): item is string => typeof item === 'string');
  if (conflicts.length > 0) throw new UsageError(`trace (--trace) replays its own schedule; it cannot be combined with ${conflicts.join('; ')}`);
}

function describeTurns(turns: NonNullable<Config['turns']>): string {
  return typeof turns === 'number' ? String(turns) : describeDistribution(turns);
}

/** The shape of one sweep level. */
export function atLevel(shape: LoadShape, parameter: 'concurrency' | 'rate', value: number): LoadShape {
  return parameter === 'rate' ? { ...shape, rate: value } : { ...shape, concurrency: value };
}

export function runLoadShape(shape: LoadShape, target: LoadTarget, hooks: LoadHooks = {}): Promise<LoadResult> {
  const common = {
    ...target,
    total: shape.total,
    warmup: shape.warmup,
    durationMs: shape.durationMs,
    graceMs: shape.graceMs,
    retry: shape.retry,
  };
  const source = target.conversations;
  if (source) {
    const { buildRequest: _built, tagRecord: _tagged, conversations: _source, ...rest } = common;
    const arrivals = shape.rate !== undefined && !source.startAtMs ? arrivalTimes(shape, shape.rate) : undefined;
    return runConversations(
      { ...rest, source, concurrency: shape.concurrency, rampUpMs: shape.rampUpMs, arrivals, maxConcurrency: shape.maxConcurrency },
      hooks,
    );
  }
  if (shape.rate === undefined) {
    return runClosedLoop({ ...common, concurrency: shape.concurrency, rampUpMs: shape.rampUpMs }, hooks);
  }
  return runOpenLoop({ ...common, arrivals: arrivalTimes(shape, shape.rate), maxConcurrency: shape.maxConcurrency }, hooks);
}

function arrivalTimes(shape: LoadShape, rate: number): () => number {
  if (shape.seed === undefined) throw new Error('an open-loop load shape needs a seed');
  return createArrivalTimes({
    rate,
    arrival: shape.arrival,
    burstiness: shape.burstiness,
    rampUpSeconds: (shape.rampUpMs ?? 0) / 1000,
    rng: createRng(shape.seed),
  });
}

/**
 * The most requests the load keeps in flight at once, and the flag that sets
 * it (for the open-file limit check); undefined for an open loop with no cap.
 */
export function peakInFlight(shape: LoadShape, sweep?: Pick<SweepSpec, 'parameter' | 'values'>): { count: number; flag: string } | undefined {
  if (sweep?.parameter === 'concurrency') return { count: Math.max(...sweep.values), flag: '--concurrency' };
  if (shape.rate === undefined && sweep === undefined && !shape.trace) return { count: shape.concurrency, flag: '--concurrency' };
  return shape.maxConcurrency !== undefined ? { count: shape.maxConcurrency, flag: '--max-concurrency' } : undefined;
}

/** For progress: requests the run will send (warm-up included), or, when a duration ends it, its planned length. */
export function plannedLength(shape: LoadShape): { total: number | undefined; durationMs?: number } {
  const warmupMs = shape.warmup?.ms ?? 0;
  if (shape.durationMs !== undefined) return { total: undefined, durationMs: warmupMs + shape.durationMs };
  return { total: warmupMs > 0 ? undefined : shape.total + (shape.warmup?.requests ?? 0) };
}

/**
 * One line for the run header: "100 requests | concurrency 10",
 * "1m (grace 30s) | rate 5/s poisson | seed 7", "20 requests | rate 1,2,5/s poisson | seed 7".
 */
export function describeLoadShape(shape: LoadShape, sweep?: { parameter: 'concurrency' | 'rate'; values: number[] }): string {
  if (sweep) shape = atLevel(shape, sweep.parameter, sweep.values[0] as number);
  const level = (value: number) => (sweep ? sweep.values.join(',') : String(value));
  const parts: string[] = [];
  if (shape.trace) {
    parts.push(`trace at its timestamps${shape.trace.speedup !== 1 ? ` / ${shape.trace.speedup} (speedup)` : ''}`);
    if (shape.durationMs !== undefined) parts.push(`for ${formatDuration(shape.durationMs / 1000)} (grace ${formatDuration(shape.graceMs / 1000)})`);
    if (shape.maxConcurrency !== undefined) parts.push(`max concurrency ${shape.maxConcurrency}`);
    return parts.join(' | ');
  }
  const unit = shape.conversations ? 'conversations' : 'requests';
  if (shape.durationMs !== undefined) {
    parts.push(`${formatDuration(shape.durationMs / 1000)} (grace ${formatDuration(shape.graceMs / 1000)})`);
  } else {
    parts.push(`${shape.total} ${unit}`);
  }
  if (shape.conversations) parts.push(`${shape.conversations.turns} turns each`);
  if (shape.warmup?.requests) parts.push(`warm-up ${shape.warmup.requests} ${unit}`);
  if (shape.warmup?.ms) parts.push(`warm-up ${formatDuration(shape.warmup.ms / 1000)}`);
  const ramp = shape.rampUpMs ? ` (ramp-up ${formatDuration(shape.rampUpMs / 1000)})` : '';
  if (shape.rate === undefined) {
    parts.push(`concurrency ${level(shape.concurrency)}${ramp}`);
  } else {
    const gamma = shape.arrival === 'gamma' ? ` burstiness ${shape.burstiness ?? 1}` : '';
    parts.push(`rate ${level(shape.rate)}/s ${shape.arrival}${gamma}${ramp}`);
    if (shape.maxConcurrency !== undefined) parts.push(`max concurrency ${shape.maxConcurrency}`);
    parts.push(`seed ${shape.seed}`);
  }
  return parts.join(' | ');
}

function parseWarmup(value: number | string | undefined): LoadShape['warmup'] {
  if (value === undefined || value === 0) return undefined;
  if (typeof value === 'number') return { requests: value };
  return { ms: (parseDuration(value) as number) * 1000 };
}
