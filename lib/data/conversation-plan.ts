/**
 * What conversation n is: its turns, each request built from the history so
 * far (user turns, and the replies actually streamed) in the API's own shape
 * (chat-history.ts). Two sources:
 *
 *  - conversations (--turns): conversation c (the run's global number, so a
 *    shard sends exactly the conversations a single run would) draws its turn
 *    count and think times from RNGs keyed by (seed, c, turn); its user turns
 *    are generated prompts (prompt-generator.ts, --input-tokens each) or a
 *    dataset row's user turns (conversation-dataset.ts);
 *  - a trace (--trace): each entry is a request at its timestamp (a plain
 *    trace), or each session a conversation whose turns carry their own
 *    timestamps or delays (a session trace). As in AIPerf, a session turn's
 *    input (input_length / hash_ids, prompt, or messages) is the new user
 *    turn, sent after the history so far.
 *
 * A trace entry given by length is generated text: block by block from its
 * hash_ids (equal ids, equal text: the trace's prefix sharing on the wire; a
 * cut last block is the start of the same text), else text unique to the entry.
 */
import type { ConversationDataset } from './conversation-dataset.ts';
import { bodyWithHistory } from './chat-history.ts';
import type { PromptGenerator } from './prompt-generator.ts';
import type { Trace, TraceEntry, TraceSession } from './trace.ts';
import { sampleDistribution, type DistributionSpec } from '../util/distribution.ts';
import { createRng } from '../util/random.ts';
import type { ChatMessage, JsonObject, Protocol } from '../wire/protocols/protocol.ts';
import type { TransportRequest } from '../wire/transport.ts';

/** How a turn's body becomes a request, and what else goes into it. */
export interface TurnRendering {
  /** The run's body template: everything but the prompt is kept. */
  template: unknown;
  protocol: Protocol & Required<Pick<Protocol, 'setPrompt'>>;
  /** request-plan.ts createBodyRenderer: the protocol's adjustments and the headers. */
  render(body: unknown): TransportRequest;
  /** Asks servers that take it to produce exactly the output limit (--exact-output). */
  exactOutput?: boolean;
  /** Counts a reply's tokens in the run's tokenizer, so a turn's prompt tokens are known; absent: not counted. */
  count?(text: string): number;
}

/** A request of a conversation, as the load sends it (load/conversations.ts). */
export interface PlannedTurn {
  request: TransportRequest;
  /** ms after the run's start: not sent before (a trace timestamp, speedup applied). */
  atMs?: number;
  /** ms to wait after the previous turn's reply ended (think time, a trace's delay). */
  afterMs?: number;
  /** The trace entry (0-based) it replays. */
  rowIndex?: number;
  /** The prompt's tokens in the run's tokenizer (the whole history), when known. */
  promptTokens?: number;
  /** The output length it asked for. */
  requestedOutputTokens?: number;
}

export interface PlannedConversation {
  /** The run's global conversation number, 1-based; undefined for a lone request (a plain trace entry), whose row carries no session. */
  session: number | undefined;
  /** Turn k (1-based), given the answer text streamed for turn k-1 (undefined for turn 1); undefined when it has no turn k. */
  turn(k: number, reply: string | undefined): PlannedTurn | undefined;
}

/** Where a conversation's user turns come from. */
export interface UserTurns {
  /** The most turns conversation c can have (a dataset row's user turns). */
  available(c: number): number;
  /** Messages ahead of the first turn (a dataset row's system messages). */
  instructions(c: number): ChatMessage[];
  /** Turn k's user content, and its tokens when known. */
  turn(c: number, k: number): { content: unknown; tokens?: number };
  /** Makes turn k of conversation c now (before the clock), kept until it is sent. */
  prepare?(c: number, k: number): void;
}

/**
 * Generated user turns: `lengths` tokens each; turn 1 after one of the shared
 * prefixes when the generator has them. A turn made ahead (prepare, before the
 * clock) is kept until it is sent, so generating never delays a send.
 */
export function generatedUserTurns(generator: PromptGenerator, lengths: DistributionSpec, seed: number, prefixes?: { count: number; tokens: number }): UserTurns {
  const made = new Map<string, { content: string; tokens: number }>();
  const make = (c: number, k: number) => {
    const tokens = Math.max(1, sampleDistribution(lengths, createRng(key(seed, DRAW.userTokens, c, k)), true));
    const prefixId = k === 1 && prefixes ? Math.floor(createRng(key(seed, DRAW.prefix, c))() * prefixes.count) : undefined;
    const content = generator.generate({ tokens, prefixId, uniqueSeed: key(seed, DRAW.text, c, k) });
    return { content, tokens: tokens + (prefixId === undefined ? 0 : (prefixes?.tokens ?? 0)) };
  };
  return {
    available: () => Infinity,
    instructions: () => [],
    turn(c, k) {
      const name = `${c}.${k}`;
      const ready = made.get(name);
      if (ready) made.delete(name);
      return ready ?? make(c, k);
    },
    prepare(c, k) {
      made.set(`${c}.${k}`, make(c, k));
    },
  };
}

/** A dataset's conversations: conversation c is row order[c mod rows] (rows cycle; `order` shuffles them). */
export function datasetUserTurns(dataset: ConversationDataset, order?: ArrayLike<number>): UserTurns {
  const rows = dataset.conversations.length;
  const row = (c: number) => dataset.conversations[order ? (order[c % rows] as number) : c % rows]!;
  return {
    available: (c) => row(c).userTurns.length,
    instructions: (c) => row(c).instructions,
    turn: (c, k) => ({ content: row(c).userTurns[k - 1] }),
  };
}

export interface SyntheticSettings {
  /** Turns per conversation (whole numbers >= 1). */
  turns: DistributionSpec;
  /** Seconds between a reply and the next turn. */
  thinkTime?: DistributionSpec;
  user: UserTurns;
  /** Turn k's output length (--output-tokens), keyed by a number unique to the turn. */
  outputTokens?(key: number): number;
  seed: number;
  /** The run's global conversation number (0-based) of this process's n-th; identity by default (a shard maps it). */
  conversationIndex?(n: number): number;
}

/** Streams of a conversation's draws, each keyed apart. */
const DRAW = { turns: 1, userTokens: 2, thinkTime: 3, text: 4, prefix: 5, output: 6 } as const;

export function syntheticConversations(settings: SyntheticSettings, rendering: TurnRendering) {
  const indexOf = settings.conversationIndex ?? ((n: number) => n);
  const { user, seed } = settings;
  const turnsOf = (c: number) => Math.min(user.available(c), sampleDistribution(settings.turns, createRng(key(seed, DRAW.turns, c)), true));
  // Each load (a sweep level) gets conversations no earlier load had: the server's prefix cache must not serve them.
  let base = 0;
  let next = 0;
  return {
    begin() {
      base = next;
    },
    /** Requests the next load's first `count` conversations will send (every turn answered). */
    plannedRequests(count: number): number {
      let sum = 0;
      for (let n = 0; n < count; n++) sum += turnsOf(next + indexOf(n));
      return sum;
    },
    /** Makes the user turns of the next load's first `count` conversations now, before the clock; returns how many. */
    prepare(count: number): number {
      if (!user.prepare) return 0;
      let made = 0;
      for (let n = 0; n < count; n++) {
        const c = next + indexOf(n);
        for (let k = 1; k <= turnsOf(c); k++, made++) user.prepare(c, k);
      }
      return made;
    },
    conversation(n: number): PlannedConversation {
      const c = base + indexOf(n);
      next = Math.max(next, c + 1);
      const turns = turnsOf(c);
      const history: ChatMessage[] = [...user.instructions(c)];
      let promptTokens: number | undefined = rendering.count && history.length === 0 ? 0 : undefined;
      return {
        session: c + 1,
        turn(k, reply) {
          if (k > turns) return undefined;
          if (k > 1) {
            history.push({ role: 'assistant', content: reply ?? '' });
            if (promptTokens !== undefined) promptTokens += rendering.count!(reply ?? '');
          }
          const said = user.turn(c, k);
          history.push({ role: 'user', content: said.content });
          if (promptTokens !== undefined) promptTokens = said.tokens === undefined ? undefined : promptTokens + said.tokens;
          const output = settings.outputTokens?.(key(seed, DRAW.output, c, k));
          const turn: PlannedTurn = { request: rendering.render(turnBody(rendering, history, output)) };
          if (promptTokens !== undefined) turn.promptTokens = promptTokens;
          if (output !== undefined) turn.requestedOutputTokens = output;
          if (k > 1 && settings.thinkTime) {
            const seconds = sampleDistribution(settings.thinkTime, createRng(key(seed, DRAW.thinkTime, c, k)));
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
  generator: PromptGenerator;
  /** This process's part of the trace: the run's entry (or session) index of its n-th; identity by default. */
  unitIndex?(n: number): number;
  /** How many units (entries, or sessions) this process replays; default all. */
  units?: number;
}

/** Blocks of text kept for reuse (equal hash ids are common): a bound on memory, about 2 KB each at 512 tokens. */
const BLOCK_CACHE = 4096;

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
  const text = traceText(trace.blockSize, settings.seed, settings.generator);
  const turnOf = (history: ChatMessage[], entry: TraceEntry): PlannedTurn => {
    const turn: PlannedTurn = { request: rendering.render(turnBody(rendering, history, entry.outputLength)), rowIndex: entry.index };
    if (entry.outputLength !== undefined) turn.requestedOutputTokens = entry.outputLength;
    return turn;
  };
  const single = (entry: TraceEntry): PlannedConversation => ({
    session: undefined,
    turn(k) {
      if (k !== 1) return undefined;
      const turn = turnOf(userMessages(entry, text), entry);
      turn.atMs = at(entry.timestampMs as number);
      if (entry.inputLength !== undefined && entry.prompt === undefined && entry.messages === undefined) turn.promptTokens = entry.inputLength;
      return turn;
    },
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
        const turn = turnOf(history, entry);
        if (entry.timestampMs !== undefined) turn.atMs = at(entry.timestampMs);
        if (k > 1 && entry.delayMs !== undefined) turn.afterMs = entry.delayMs / settings.speedup;
        return turn;
      },
    };
  };
  return {
    count,
    /**
     * Makes the text of the first units' entries now, before the clock, and keeps it until sent, up to
     * `tokens` tokens in all (a long trace would not fit in memory: the rest is made as it is sent, the
     * generator already warm). Returns how many entries.
     */
    prepare(tokens: number): number {
      let made = 0;
      let budget = tokens;
      for (let n = 0; n < count && budget > 0; n++) {
        const unit = indexOf(n);
        for (const entry of sessions ? (sessions[unit] as TraceSession).turns : [trace.entries[unit] as TraceEntry]) {
          text.keep(entry);
          budget -= entry.inputLength ?? 0;
          made++;
        }
      }
      return made;
    },
    startAtMs(n: number): number {
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

/** The body of a turn: the history in the API's shape, and its output length in the API's own field. */
function turnBody(rendering: TurnRendering, history: readonly ChatMessage[], output: number | undefined): JsonObject {
  let body = bodyWithHistory(rendering.template, rendering.protocol, history);
  if (output !== undefined && rendering.protocol.setOutputLimit) {
    body = rendering.protocol.setOutputLimit(body, output);
    if (rendering.exactOutput && rendering.protocol.setExactOutput) body = rendering.protocol.setExactOutput(body, output);
  }
  return body;
}

/** A trace entry's new messages: its own `messages`, or one user turn with its prompt or generated text. */
function userMessages(entry: TraceEntry, text: (entry: TraceEntry) => string): ChatMessage[] {
  if (entry.messages) return entry.messages.map(({ role, content }) => ({ role, content }));
  return [{ role: 'user', content: text(entry) }];
}

/**
 * The text of an entry given by length: its hash ids' blocks of `blockSize`
 * tokens back to back (the last one as long as input_length leaves, made from
 * the same start as the whole block, so it reads as its beginning), or, without
 * hash ids, text unique to the entry. A prompt given in the trace is itself.
 * `keep` makes an entry's text ahead of time; it is handed out once, then dropped.
 */
export function traceText(blockSize: number, seed: number, generator: PromptGenerator): ((entry: TraceEntry) => string) & { keep(entry: TraceEntry): void } {
  const blocks = new Map<string, string>();
  const kept = new Map<number, string>();
  const block = (id: number, tokens: number, leading: boolean): string => {
    const name = `${id}:${tokens}:${leading ? 1 : 0}`;
    let found = blocks.get(name);
    if (found === undefined) {
      found = generator.generate({ tokens, uniqueSeed: key(seed, TRACE_TEXT.block, id), leading });
      if (blocks.size >= BLOCK_CACHE) blocks.delete(blocks.keys().next().value as string);
      blocks.set(name, found);
    }
    return found;
  };
  const make = (entry: TraceEntry): string => {
    if (entry.prompt !== undefined) return entry.prompt;
    const length = entry.inputLength as number;
    const ids = entry.hashIds;
    if (!ids) return generator.generate({ tokens: length, uniqueSeed: key(seed, TRACE_TEXT.entry, entry.index) });
    // Each block after the first follows text: it starts with a space, so the blocks' counts add up.
    return ids.map((id, i) => block(id, i < ids.length - 1 ? blockSize : length - blockSize * (ids.length - 1), i > 0)).join('');
  };
  const text = (entry: TraceEntry): string => {
    const ready = kept.get(entry.index);
    if (ready === undefined) return make(entry);
    kept.delete(entry.index);
    return ready;
  };
  return Object.assign(text, {
    keep(entry: TraceEntry) {
      if (entry.prompt === undefined && entry.messages === undefined) kept.set(entry.index, make(entry));
    },
  });
}

/** Streams of a trace's text, keyed apart. */
const TRACE_TEXT = { block: 11, entry: 12 } as const;

/** A 32-bit key from several numbers (a seed, a stream, an id, a turn), well mixed (murmur3's finalizer per step). */
export function key(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Numbers beyond 32 bits keep their high bits.
    for (const word of [part >>> 0, Math.floor(part / 2 ** 32) >>> 0]) {
      h = Math.imul(h ^ word, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}
