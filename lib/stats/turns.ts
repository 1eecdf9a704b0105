/**
 * Per-turn results of a run with conversations: each turn index summarized
 * by the one summary function (so turn 2's TTFT means exactly what the run's
 * TTFT means), and per-conversation totals. Turn 1 against the later turns
 * is what a server's prefix cache does for a conversation: later turns carry
 * more input, most of it the history the cache already holds.
 * Pure; warm-up records are left out, as everywhere.
 */
import type { Records, RequestRecord } from '../record/record.ts';
import { outputTokens } from './metrics.ts';
import { describeSorted, type Distribution } from './stats.ts';
import { SummaryBuilder, type MetricSamples, type RunSummary } from './summary.ts';

export interface TurnStats {
  /** 1-based. */
  turn: number;
  summary: RunSummary;
  samples: MetricSamples;
  /** Server-reported input tokens of its successful requests (usage), when any reported them. */
  input_tokens?: Distribution;
  /** Of those, the ones the server's prefix cache served (usage), when any reported them. */
  cached_input_tokens?: Distribution;
}

export interface ConversationTotals {
  /** Conversations with at least one measured request. */
  conversations: number;
  /** Conversations whose last request sent failed: a failed turn ends its conversation. */
  ended_by_failure: number;
  /** Turns sent per conversation. */
  turns: Distribution;
  /** First turn's send to last turn's end, seconds: think time included. */
  duration: Distribution;
  /** Server-reported input tokens summed over a conversation's successful turns (conversations where every one reported them). */
  input_tokens?: Distribution;
  /** Output tokens summed over a conversation's successful turns. */
  output_tokens: Distribution;
}

export interface TurnSummary {
  by_turn: TurnStats[];
  conversations: ConversationTotals;
}

interface SessionTally {
  turns: number;
  first: number;
  last: number;
  lastFailed: boolean;
  lastTurn: number;
  input: number;
  inputKnown: boolean;
  output: number;
}

/** Undefined when no record belongs to a conversation. */
export function summarizeTurns(records: Records): TurnSummary | undefined {
  const byTurn = new Map<number, { builder: SummaryBuilder; inputs: number[]; cached: number[] }>();
  const sessions = new Map<number, SessionTally>();
  for (const record of records) {
    if (record.turn === undefined || record.session === undefined || record.warmup) continue;
    let turn = byTurn.get(record.turn);
    if (!turn) byTurn.set(record.turn, (turn = { builder: new SummaryBuilder(), inputs: [], cached: [] }));
    turn.builder.add(record);
    if (!record.error && record.usage?.inputTokens !== undefined) turn.inputs.push(record.usage.inputTokens);
    if (!record.error && record.usage?.cachedInputTokens !== undefined) turn.cached.push(record.usage.cachedInputTokens);
    tally(sessions, record);
  }
  if (byTurn.size === 0) return undefined;
  const by_turn = [...byTurn.keys()]
    .sort((a, b) => a - b)
    .map((turn): TurnStats => {
      const { builder, inputs, cached } = byTurn.get(turn)!;
      const { summary, samples } = builder.finish();
      const stats: TurnStats = { turn, summary, samples };
      const input = describeSorted(Float64Array.from(inputs).sort());
      if (input) stats.input_tokens = input;
      const hits = describeSorted(Float64Array.from(cached).sort());
      if (hits) stats.cached_input_tokens = hits;
      return stats;
    });
  return { by_turn, conversations: totals([...sessions.values()]) };
}

/** Each turn's summary and samples by turn index, for metric paths such as `turn2.ttft.p50`. */
export function turnSources(turns: TurnSummary | undefined): Map<number, Pick<TurnStats, 'summary' | 'samples'>> | undefined {
  return turns && new Map(turns.by_turn.map((t) => [t.turn, { summary: t.summary, samples: t.samples }]));
}

function tally(sessions: Map<number, SessionTally>, record: RequestRecord): void {
  const session = record.session as number;
  let s = sessions.get(session);
  if (!s) {
    s = { turns: 0, first: Infinity, last: -Infinity, lastFailed: false, lastTurn: 0, input: 0, inputKnown: true, output: 0 };
    sessions.set(session, s);
  }
  // A retry is the same turn again.
  if (record.attempt === undefined) s.turns++;
  s.first = Math.min(s.first, record.startedAt);
  s.last = Math.max(s.last, record.endedAt);
  const turn = record.turn as number;
  if (turn > s.lastTurn || (turn === s.lastTurn && record.attempt !== undefined)) {
    s.lastTurn = turn;
    s.lastFailed = record.error !== undefined;
  }
  if (record.error) return;
  s.output += outputTokens(record);
  if (record.usage?.inputTokens === undefined) s.inputKnown = false;
  else s.input += record.usage.inputTokens;
}

function totals(sessions: SessionTally[]): ConversationTotals {
  const describe = (values: number[]) => describeSorted(Float64Array.from(values).sort()) as Distribution;
  const totals: ConversationTotals = {
    conversations: sessions.length,
    ended_by_failure: sessions.filter((s) => s.lastFailed).length,
    turns: describe(sessions.map((s) => s.turns)),
    duration: describe(sessions.map((s) => Math.max(0, s.last - s.first) / 1000)),
    output_tokens: describe(sessions.map((s) => s.output)),
  };
  const inputs = sessions.filter((s) => s.inputKnown && s.input > 0).map((s) => s.input);
  if (inputs.length > 0) totals.input_tokens = describe(inputs);
  return totals;
}
