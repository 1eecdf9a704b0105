/**
 * What conversation n is: its turns, each request built from the history so
 * far (user turns, and the replies actually streamed) in the API's own shape
 * (chat-history.ts). Two sources:
 *
 *  - synthetic conversations (--turns): conversation c (the run's global
 *    number, so a shard sends exactly the conversations a single run would)
 *    draws its turn count, its think times and its user turns' lengths from
 *    RNGs keyed by (seed, c, turn);
 *  - a trace (--trace): each entry is a request at its timestamp (a plain
 *    trace), or each session a conversation whose turns carry their own
 *    timestamps or delays (a session trace). As in AIPerf, a session turn's
 *    input (input_length / hash_ids, prompt, or messages) is the new user
 *    turn, sent after the history so far.
 *
 * Text: a prompt or messages given in the trace are sent as they are; an
 * input length becomes synthetic text (block-text.ts), built block by block
 * from hash_ids when given (equal ids, equal text: the trace's prefix sharing
 * on the wire), else unique to the entry.
 */
import { textKey, wordText } from './block-text.ts';
import { bodyWithHistory, type ChatMessage, type ChatShape } from './chat-history.ts';
import { withOutputLimit } from './output-limit.ts';
import type { Trace, TraceEntry, TraceSession } from './trace.ts';
import { sampleDistribution, type DistributionSpec } from '../util/distribution.ts';
import { createRng } from '../util/random.ts';
import type { TransportRequest } from '../wire/transport.ts';

/** How a turn's body becomes a request (request-plan.ts createBodyRenderer), and the shape its history takes. */
export interface TurnRendering {
  /** The run's body template: everything but the prompt is kept. */
  template: unknown;
  shape: ChatShape;
  /** The protocol's name, for the output-length field. */
  protocol: string | undefined;
  render(body: unknown): TransportRequest;
}

/** A request of a conversation, as the load sends it (load/conversations.ts Turn). */
export interface PlannedTurn {
  request: TransportRequest;
  atMs?: number;
  afterMs?: number;
  rowIndex?: number;
}

export interface PlannedConversation {
  session: number | undefined;
  turn(k: number, reply: string | undefined): PlannedTurn | undefined;
}

export interface SyntheticSettings {
  /** Turns per conversation (whole numbers >= 1). */
  turns: DistributionSpec;
  /** Seconds between a reply and the next turn. */
  thinkTime?: DistributionSpec;
  /** Tokens of each user turn. */
  userTokens: DistributionSpec;
  seed: number;
  /** The run's global conversation number (0-based) of this process's n-th; identity by default (a shard maps it). */
  conversationIndex?(n: number): number;
}

/** Streams of a synthetic conversation's draws, each keyed apart. */
const DRAW = { turns: 1, userTokens: 2, thinkTime: 3, text: 4 } as const;

export function syntheticConversations(settings: SyntheticSettings, rendering: TurnRendering) {
  const indexOf = settings.conversationIndex ?? ((n: number) => n);
  const turnsOf = (c: number) => sampleDistribution(settings.turns, createRng(textKey(settings.seed, DRAW.turns, c)), true);
  // Each load (a sweep level) gets conversations no earlier load had: the server's prefix cache must not serve them.
  let base = 0;
  let next = 0;
  return {
    /** Turns of the run's conversation c (0-based global): known before it starts, so progress can show a planned total. */
    turnsOf,
    begin() {
      base = next;
    },
    /** Requests the next load's first `count` conversations will send (every turn answered). */
    plannedRequests(count: number): number {
      let sum = 0;
      for (let n = 0; n < count; n++) sum += turnsOf(next + indexOf(n));
      return sum;
    },
    conversation(n: number): PlannedConversation {
      const c = base + indexOf(n);
      next = Math.max(next, c + 1);
      const turns = turnsOf(c);
      const history: ChatMessage[] = [];
      return {
        session: c + 1,
        turn(k, reply) {
          if (k > turns) return undefined;
          if (k > 1) history.push({ role: 'assistant', content: reply ?? '' });
          const tokens = Math.max(1, sampleDistribution(settings.userTokens, createRng(textKey(settings.seed, DRAW.userTokens, c, k)), true));
          history.push({ role: 'user', content: wordText(tokens, textKey(settings.seed, DRAW.text, c, k)) });
          const turn: PlannedTurn = { request: rendering.render(bodyWithHistory(rendering.template, rendering.shape, history)) };
          if (k > 1 && settings.thinkTime) {
            const seconds = sampleDistribution(settings.thinkTime, createRng(textKey(settings.seed, DRAW.thinkTime, c, k)));
            if (seconds > 0) turn.afterMs = seconds * 1000;
          }
          return turn;
        },
      };
    },
  };
}

export interface TraceSettings {
  /** Timestamps and delays are divided by it. */
  speedup: number;
  seed: number;
  /** This process's part of the trace: the run's entry (or session) index of its n-th; identity by default. */
  unitIndex?(n: number): number;
  /** How many units (entries, or sessions) this process replays; default all. */
  units?: number;
}

/** Streams of a trace's text, keyed apart. */
const TRACE_TEXT = { block: 11, entry: 12 } as const;

/**
 * A trace as conversations: entries (plain trace) or sessions, each starting
 * at its timestamp / speedup (relative to the trace's first timestamp, so an
 * epoch-stamped trace starts at once).
 */
export function traceConversations(trace: Trace, settings: TraceSettings, rendering: TurnRendering) {
  const indexOf = settings.unitIndex ?? ((n: number) => n);
  const sessions = trace.sessions;
  const total = sessions ? sessions.length : trace.entries.length;
  const count = settings.units ?? total;
  let origin = Infinity;
  for (const entry of trace.entries) if (entry.timestampMs !== undefined && entry.timestampMs < origin) origin = entry.timestampMs;
  const at = (ms: number) => (ms - origin) / settings.speedup;
  const text = (entry: TraceEntry) => entryText(entry, trace.blockSize, settings.seed);
  const request = (history: ChatMessage[], entry: TraceEntry) => {
    let body = bodyWithHistory(rendering.template, rendering.shape, history);
    if (entry.outputLength !== undefined) body = withOutputLimit(body, rendering.protocol, entry.outputLength);
    return rendering.render(body);
  };
  const single = (entry: TraceEntry): PlannedConversation => ({
    session: undefined,
    turn: (k) => (k === 1 ? { request: request(userMessages(entry, text), entry), atMs: at(entry.timestampMs as number), rowIndex: entry.index } : undefined),
  });
  const conversation = (session: TraceSession, number: number): PlannedConversation => {
    const history: ChatMessage[] = [];
    return {
      session: number,
      turn(k, reply) {
        const entry = session.turns[k - 1];
        if (!entry) return undefined;
        if (k > 1) history.push({ role: 'assistant', content: reply ?? '' });
        history.push(...userMessages(entry, text));
        const turn: PlannedTurn = { request: request(history, entry), rowIndex: entry.index };
        if (entry.timestampMs !== undefined) turn.atMs = at(entry.timestampMs);
        if (k > 1 && entry.delayMs !== undefined) turn.afterMs = entry.delayMs / settings.speedup;
        return turn;
      },
    };
  };
  return {
    count,
    startAtMs: (n: number) => {
      if (n >= count) return Infinity;
      const unit = indexOf(n);
      return at(sessions ? (sessions[unit] as TraceSession).startMs : ((trace.entries[unit] as TraceEntry).timestampMs as number));
    },
    conversation(n: number): PlannedConversation {
      const unit = indexOf(n);
      return sessions ? conversation(sessions[unit] as TraceSession, unit + 1) : single(trace.entries[unit] as TraceEntry);
    },
  };
}

/** A trace entry's new messages: its own `messages`, or one user turn with its prompt or synthetic text. */
function userMessages(entry: TraceEntry, text: (entry: TraceEntry) => string): ChatMessage[] {
  if (entry.messages) return entry.messages.map(({ role, content }) => ({ role: role as ChatMessage['role'], content }));
  return [{ role: 'user', content: text(entry) }];
}

/**
 * The text of an entry given by length: its hash ids' blocks of `blockSize`
 * tokens back to back (the last one cut to what input_length leaves; a cut block is a
 * prefix of the whole one), or, without hash ids, text unique to the entry.
 */
export function entryText(entry: TraceEntry, blockSize: number, seed: number): string {
  if (entry.prompt !== undefined) return entry.prompt;
  const length = entry.inputLength as number;
  const ids = entry.hashIds;
  if (!ids) return wordText(length, textKey(seed, TRACE_TEXT.entry, entry.index));
  let text = '';
  ids.forEach((id, i) => {
    const tokens = i < ids.length - 1 ? blockSize : length - blockSize * (ids.length - 1);
    text += wordText(tokens, textKey(seed, TRACE_TEXT.block, id));
  });
  return text;
}
