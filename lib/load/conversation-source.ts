/**
 * The run's conversations from its config: synthetic ones (--turns) or a
 * trace (--trace), read and checked here, before anything is sent. A shard
 * keeps whole conversations (conversation c goes to shard c mod N) and splits
 * a trace by entry (or by session): the union of the shards is the run.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { Config } from '../config/config.ts';
import type { ShardSpec } from '../config/shard-spec.ts';
import { chatShapeOf } from '../data/chat-history.ts';
import { syntheticConversations, traceConversations, type TurnRendering } from '../data/conversation-plan.ts';
import type { DatasetFingerprint } from '../data/dataset.ts';
import { loadTrace, type Trace } from '../data/trace.ts';
import { UsageError } from '../record/errors.ts';
import { describeDistribution, type DistributionSpec } from '../util/distribution.ts';
import { formatDuration } from '../util/duration.ts';
import type { Protocol } from '../wire/protocols/protocol.ts';
import type { TransportRequest } from '../wire/transport.ts';
import type { ConversationSource } from './conversations.ts';
import { globalIndex, shareOf } from './shard.ts';

/** Tokens of a synthetic user turn until the workload's --input-tokens sets them. */
export const DEFAULT_USER_TURN_TOKENS = 64;

export interface PreparedConversations {
  /** For the run's header: what the conversations are. */
  describe: string;
  /** A trace: what results record as the run's data. */
  dataset?: DatasetFingerprint;
  /** Whether a turn needs the previous reply's text (not for a plain trace's lone requests). */
  replies: boolean;
  /** The source for the endpoint actually called (the simulator's, for sim://); `render` builds a request from a body. */
  source(render: (body: unknown) => TransportRequest): ConversationSource & { plannedRequests(count: number): number | undefined };
}

export interface ConversationInputs {
  config: Config;
  protocol: Protocol | undefined;
  /** The body template (the configured body, -d, or the protocol's default). */
  body: unknown;
  /** Relative trace paths in a config file resolve against its folder. */
  baseDir: string;
  cwd: string;
  shard: ShardSpec | undefined;
}

/** Undefined when the run has neither turns nor a trace. */
export async function prepareConversations(inputs: ConversationInputs): Promise<PreparedConversations | undefined> {
  const { config, shard } = inputs;
  if (config.turns === undefined && !config.trace) return undefined;
  if (config.turns !== undefined && config.data_source) {
    throw new UsageError('turns (--turns) with a data file needs its conversations (ShareGPT or messages); this data source has rows only');
  }
  const shape = chatShapeOf(inputs.protocol, config.url);
  const seed = config.seed as number;
  const renderingFor = (render: TurnRendering['render']): TurnRendering => ({ template: inputs.body, shape, protocol: inputs.protocol?.name, render });

  if (config.trace) {
    const path = resolve(inputs.baseDir, config.trace.file);
    const trace = await loadTrace(path, labelOf(path, inputs.cwd), config.trace.block_size);
    const units = trace.sessions ? trace.sessions.length : trace.entries.length;
    if (shard && units < shard.count) {
      throw new UsageError(`shard ${shard.index}/${shard.count}: the trace's ${units} ${trace.sessions ? 'sessions' : 'entries'} cannot be split over ${shard.count} shards`);
    }
    const mine = shard ? shareOf(units, shard) : units;
    const unitIndex = shard ? (n: number) => globalIndex(n, shard) : undefined;
    const requests = (count: number) => {
      if (!trace.sessions) return count;
      let sum = 0;
      for (let n = 0; n < count; n++) sum += trace.sessions[unitIndex?.(n) ?? n]!.turns.length;
      return sum;
    };
    return {
      describe: describeTrace(trace, config.trace.speedup),
      replies: trace.sessions !== undefined,
      dataset: { file: trace.label, sha256: trace.sha256, rows: trace.entries.length, columns: trace.fields },
      source: (render) => ({
        ...traceConversations(trace, { speedup: config.trace!.speedup, seed, unitIndex, units: mine }, renderingFor(render)),
        plannedRequests: (count) => requests(Math.min(count, mine)),
      }),
    };
  }

  const turns = distributionOf(config.turns!);
  const thinkTime = config.think_time === undefined ? undefined : distributionOf(config.think_time);
  const userTokens: DistributionSpec = { mean: DEFAULT_USER_TURN_TOKENS };
  const describe =
    `conversations: ${describeDistribution(turns)} turns each, user turns of ${describeDistribution(userTokens)} synthetic tokens` +
    (thinkTime ? `, think time ${describeDistribution(thinkTime, (s) => formatDuration(s))}` : '') +
    '; each turn carries the history with the replies streamed';
  return {
    describe,
    replies: true,
    source: (render) => {
      const conversationIndex = shard ? (n: number) => globalIndex(n, shard) : undefined;
      const synthetic = syntheticConversations({ turns, thinkTime, userTokens, seed, conversationIndex }, renderingFor(render));
      return { ...synthetic, plannedRequests: (count) => (Number.isFinite(count) ? synthetic.plannedRequests(count) : undefined) };
    },
  };
}

function distributionOf(value: number | { mean: number; stddev?: number; min?: number; max?: number }): DistributionSpec {
  return typeof value === 'number' ? { mean: value } : value;
}

function describeTrace(trace: Trace, speedup: number): string {
  const last = trace.entries.reduce((max, entry) => Math.max(max, entry.timestampMs ?? 0), 0);
  const first = trace.entries.reduce((min, entry) => Math.min(min, entry.timestampMs ?? Infinity), Infinity);
  const span = (last - first) / 1000 / speedup;
  const sessions = trace.sessions ? `, ${trace.sessions.length} sessions` : '';
  return `trace: ${trace.label} | ${trace.entries.length} entries${sessions} over ${formatDuration(span)}${speedup !== 1 ? ` (speedup ${speedup})` : ''} | block size ${trace.blockSize}`;
}

/** As the user sees it: relative to the working folder when inside it. */
function labelOf(path: string, cwd: string): string {
  const fromCwd = relative(cwd, path);
  return fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
}
