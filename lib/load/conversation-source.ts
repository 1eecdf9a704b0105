/**
 * The run's conversations from its config: synthetic ones (--turns, user
 * turns generated or from a dataset's conversations) or a trace (--trace),
 * read and checked here, before anything is sent. A shard keeps whole
 * conversations (conversation c goes to shard c mod N) and splits a trace by
 * entry (or by session): the union of the shards is the run.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { Config } from '../config/config.ts';
import type { ShardSpec } from '../config/shard-spec.ts';
import { inputLengths, LARGEST_CONTEXT, outputLengths } from '../config/workload-spec.ts';
import { conversationProtocol } from '../data/chat-history.ts';
import { readConversationDataset, type ConversationDataset } from '../data/conversation-dataset.ts';
import { datasetUserTurns, generatedUserTurns, syntheticConversations, traceConversations, type TurnRendering } from '../data/conversation-plan.ts';
import type { DatasetFingerprint } from '../data/dataset.ts';
import { createPromptGenerator } from '../data/prompt-generator.ts';
import { shuffledOrder } from '../data/request-plan.ts';
import { loadTrace, type Trace } from '../data/trace.ts';
import { sampleLength } from '../data/workload.ts';
import { UsageError } from '../record/errors.ts';
import type { Tokenizer } from '../stats/tokenizer.ts';
import { describeDistribution, type DistributionSpec } from '../util/distribution.ts';
import { formatDuration } from '../util/duration.ts';
import type { Protocol } from '../wire/protocols/protocol.ts';
import type { TransportRequest } from '../wire/transport.ts';
import type { ConversationSource } from './conversations.ts';
import { globalIndex, shareOf } from './shard.ts';

/** Tokens of a generated user turn when --input-tokens does not set them. */
export const DEFAULT_USER_TURN_TOKENS = 64;

export interface PreparedConversations {
  /** For the run's header: what the conversations are. */
  describe: string;
  /** A trace or a conversation dataset: what results record as the run's data. */
  dataset?: DatasetFingerprint;
  /** Whether a turn needs the previous reply's text (not for a plain trace's lone requests). */
  replies: boolean;
  /**
   * Makes the first `count` conversations' text now, before the clock, so generating never delays a send;
   * a trace's, up to TRACE_PREPARED_TOKENS. Returns how many texts.
   */
  prepare(count: number): number;
  /** The source for the endpoint actually called (the simulator's, for sim://); `render` builds a request from a body. */
  source(render: (body: unknown) => TransportRequest): ConversationSource & { plannedRequests(count: number): number | undefined };
}

/**
 * A trace's text made before the clock, in tokens (about 5 bytes each): all of most traces; a longer one's
 * later entries are made as they are sent, the generator warm by then.
 */
export const TRACE_PREPARED_TOKENS = 20_000_000;

export interface ConversationInputs {
  config: Config;
  protocol: Protocol | undefined;
  /** The body template (the configured body, -d, or the protocol's default). */
  body: unknown;
  /** The run's tokenizer (needsTokenizer says when there must be one). */
  tokenizer: Tokenizer | undefined;
  /** Relative paths in a config file resolve against its folder. */
  baseDir: string;
  cwd: string;
  shard: ShardSpec | undefined;
}

/** Conversations and traces generate text in the run's tokenizer. */
export function needsTokenizer(config: Config): boolean {
  return config.turns !== undefined || config.trace !== undefined;
}

/** Undefined when the run has neither turns nor a trace. */
export async function prepareConversations(inputs: ConversationInputs): Promise<PreparedConversations | undefined> {
  const { config, shard, tokenizer } = inputs;
  if (config.turns === undefined && !config.trace) return undefined;
  if (!tokenizer) throw new Error('conversations need the run tokenizer');
  checkWorkload(config);
  const protocol = conversationProtocol(inputs.protocol);
  const seed = config.seed as number;
  const workload = config.workload;
  const generator = createPromptGenerator(tokenizer, { seed, prefixTokens: workload?.prefix_tokens });
  // Requests are for the endpoint actually called, known once it is up: the sources are made now, their target set then.
  let target: TurnRendering['render'] = () => {
    throw new Error('conversations: no endpoint yet');
  };
  const rendering: TurnRendering = {
    template: inputs.body,
    protocol,
    render: (body) => target(body),
    exactOutput: workload?.exact_output,
    count: (text) => tokenizer.count(text),
  };

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
    const source = traceConversations(trace, { speedup: config.trace.speedup, seed, generator, unitIndex, units: mine }, rendering);
    return {
      describe: describeTrace(trace, config.trace.speedup, tokenizer),
      dataset: { file: trace.label, sha256: trace.sha256, rows: trace.entries.length, columns: trace.fields },
      replies: trace.sessions !== undefined,
      prepare: () => source.prepare(TRACE_PREPARED_TOKENS),
      source: (render) => {
        target = render;
        return { ...source, plannedRequests: (count) => requests(Math.min(count, mine)) };
      },
    };
  }

  // At least one turn, and no negative wait, whatever a wide stddev draws.
  const turns = distributionOf(config.turns!, 1);
  const thinkTime = config.think_time === undefined ? undefined : distributionOf(config.think_time, 0);
  const dataset = config.data_source ? await conversationDataset(config, inputs) : undefined;
  const lengths = lengthsOf(workload && inputLengths(workload)) ?? { mean: DEFAULT_USER_TURN_TOKENS };
  const outputs = workload && outputLengths(workload);
  const prefixes = workload?.prefix_tokens !== undefined ? { count: workload.prefixes ?? 1, tokens: workload.prefix_tokens } : undefined;
  const order = dataset && config.shuffle ? shuffledOrder(dataset.conversations.length, seed) : undefined;
  const userSide = dataset
    ? `user turns from ${dataset.label} (${dataset.format}, ${dataset.conversations.length} multi-turn conversations${dataset.skipped ? `, ${dataset.skipped} rows with fewer than 2 user turns left out` : ''})`
    : `user turns of ${describeDistribution(lengths)} generated tokens${prefixes ? ` (turn 1 after 1 of ${prefixes.count} shared prefixes of ${prefixes.tokens})` : ''}`;
  // As given: the floors are not the user's.
  const asGiven = (value: number | DistributionSpec) => (typeof value === 'number' ? { mean: value } : value);
  const describe =
    `conversations: ${describeDistribution(asGiven(config.turns!))} turns each, ${userSide}` +
    (config.think_time !== undefined ? `, think time ${describeDistribution(asGiven(config.think_time), (s) => formatDuration(s))}` : '') +
    ` | tokenizer ${tokenizer.name} | each turn carries the history with the replies streamed`;
  const conversationIndex = shard ? (n: number) => globalIndex(n, shard) : undefined;
  const user = dataset ? datasetUserTurns(dataset, order) : generatedUserTurns(generator, lengths, seed, prefixes);
  const outputTokens = outputs ? (key: number) => sampleLength(outputs, seed, key, 2) : undefined;
  const synthetic = syntheticConversations({ turns, thinkTime, user, outputTokens, seed, conversationIndex }, rendering);
  return {
    describe,
    dataset: dataset?.fingerprint(),
    replies: true,
    // A run with a duration has no count: its turns are made as they are sent.
    prepare: (count) => (Number.isFinite(count) ? synthetic.prepare(count) : 0),
    source: (render) => {
      target = render;
      return { ...synthetic, plannedRequests: (count) => (Number.isFinite(count) ? synthetic.plannedRequests(count) : undefined) };
    },
  };
}

/** Workload flags that cannot apply to conversations or traces. */
function checkWorkload(config: Config): void {
  const w = config.workload;
  if (!w) return;
  if (config.trace && (w.input_tokens !== undefined || w.output_tokens !== undefined || w.prefix_tokens !== undefined)) {
    throw new UsageError('--input-tokens, --output-tokens and --prefix-tokens do not apply to --trace: each trace line gives its own input_length, output_length and hash_ids');
  }
  if (config.data_source && w.input_tokens !== undefined) {
    throw new UsageError('--input-tokens generates user turns, --data reads them from a file: use one');
  }
}

async function conversationDataset(config: Config, inputs: ConversationInputs): Promise<ConversationDataset> {
  if (config.body !== undefined) {
    throw new UsageError("turns (--turns) with --data sends the dataset's conversations in the protocol's own shape: leave out the body (-d), which would fill {{placeholders}} instead");
  }
  const path = resolve(inputs.baseDir, config.data_source!.file);
  return readConversationDataset(path, labelOf(path, inputs.cwd));
}

/** The workload's length distribution, its default bounds (1 and the largest context) left out. */
function lengthsOf(d: { mean: number; stddev: number; min: number; max: number } | undefined): DistributionSpec | undefined {
  if (!d) return undefined;
  if (d.stddev === 0) return { mean: d.mean };
  return { mean: d.mean, stddev: d.stddev, ...(d.min > 1 ? { min: d.min } : { min: 1 }), ...(d.max < LARGEST_CONTEXT ? { max: d.max } : {}) };
}

/** A config distribution field; a spread is kept at or above `floor`. */
function distributionOf(value: number | { mean: number; stddev?: number; min?: number; max?: number }, floor: number): DistributionSpec {
  return typeof value === 'number' ? { mean: value } : { ...value, min: Math.max(floor, value.min ?? floor) };
}

function describeTrace(trace: Trace, speedup: number, tokenizer: Tokenizer): string {
  let first = Infinity;
  let last = 0;
  for (const entry of trace.entries) {
    if (entry.timestampMs === undefined) continue;
    first = Math.min(first, entry.timestampMs);
    last = Math.max(last, entry.timestampMs);
  }
  const span = (last - first) / 1000 / speedup;
  const sessions = trace.sessions ? `, ${trace.sessions.length} sessions` : '';
  return `trace: ${trace.label} | ${trace.entries.length} entries${sessions} over ${formatDuration(span)}${speedup !== 1 ? ` (speedup ${speedup})` : ''} | block size ${trace.blockSize} | tokenizer ${tokenizer.name}`;
}

/** As the user sees it: relative to the working folder when inside it. */
function labelOf(path: string, cwd: string): string {
  const fromCwd = relative(cwd, path);
  return fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
}
