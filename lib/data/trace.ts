/**
 * A timestamped trace (`--trace FILE`), read and checked whole before anything
 * is sent. The format is the mooncake one AIPerf and the Mooncake project use:
 * JSONL, one request a line, with `timestamp` (ms from the trace's start),
 * `input_length`, `output_length` and `hash_ids` (one id per block of
 * `blockSize` tokens: equal ids are equal text, so the trace's prefix sharing
 * is replayed as prefix sharing on the wire). A line may carry its text
 * instead: `prompt` (or AIPerf's `text_input` / `input_text`), or OpenAI-style
 * `messages`. Lines with a `session_id` are the turns of a conversation, in
 * file order; a later turn has its own `timestamp` or a `delay` (ms after the
 * previous turn's reply ended).
 *
 * Every problem is a UsageError naming file, line and column: a line without a
 * timestamp or an input length, timestamps going backwards, hash_ids that do not
 * fit input_length at the block size.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_TRACE_BLOCK_SIZE, parseJsonWithPosition } from '../config/config.ts';
import { UsageError } from '../record/errors.ts';
import { readInputFile } from '../util/input-file.ts';

/** One OpenAI-style message of a trace line's `messages`. */
export interface TraceMessage {
  role: string;
  content: string;
}

export interface TraceEntry {
  /** 1-based line in the file. */
  line: number;
  /** 0-based position among the trace's entries (file order). */
  index: number;
  /** ms from the trace's start, as in the file (before any speedup); absent on a session turn timed by `delay`. */
  timestampMs?: number;
  /** A later session turn: ms after the previous turn's reply ended. */
  delayMs?: number;
  inputLength?: number;
  outputLength?: number;
  hashIds?: number[];
  prompt?: string;
  messages?: TraceMessage[];
  sessionId?: string;
}

/** A conversation of a session trace: its turns in file order. */
export interface TraceSession {
  id: string;
  turns: TraceEntry[];
  /** The first turn's timestamp. */
  startMs: number;
}

export interface Trace {
  /** The file as the user named it. */
  label: string;
  sha256: string;
  entries: TraceEntry[];
  /** Set when any line has a session_id: every entry in exactly one session (a line without one is a session of one turn), by start time. */
  sessions?: TraceSession[];
  blockSize: number;
  /** Every field name seen, in order of first appearance. */
  fields: string[];
}

const PROMPT_FIELDS = ['prompt', 'text_input', 'input_text'] as const;

/** Reads and checks a trace file; nothing about it is left to fail once requests are being sent. */
export async function loadTrace(path: string, label: string, blockSize: number = DEFAULT_TRACE_BLOCK_SIZE): Promise<Trace> {
  const bytes = await readInputFile(path, `trace file ${label}`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`trace file ${label} is not valid UTF-8 text`);
  }
  return parseTrace(text, label, blockSize, sha256);
}

/** The checks of loadTrace on text already read (pure). */
export function parseTrace(text: string, label: string, blockSize: number = DEFAULT_TRACE_BLOCK_SIZE, sha256 = ''): Trace {
  if (!(Number.isInteger(blockSize) && blockSize >= 1)) throw new UsageError(`--trace-block-size must be a whole number of tokens >= 1, got ${blockSize}`);
  const entries: TraceEntry[] = [];
  const fields: string[] = [];
  const seen = new Set<string>();
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  let previous: TraceEntry | undefined;
  /** Per session: its last entry, for the order check. */
  const lastOfSession = new Map<string, TraceEntry>();
  let hasSessions = false;
  lines.forEach((raw, i) => {
    const source = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (source.trim() === '') return;
    const line = i + 1;
    const value = parseJsonWithPosition(source, label, line);
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw new UsageError(`${label}:${line}:1: each trace line must be a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
    }
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) {
      if (!seen.has(key)) {
        seen.add(key);
        fields.push(key);
      }
    }
    const entry = readEntry(object, { label, line, source, blockSize, index: entries.length });
    if (entry.sessionId !== undefined) {
      hasSessions = true;
      const last = lastOfSession.get(entry.sessionId);
      checkSessionTurn(entry, last, { label, line, source });
      lastOfSession.set(entry.sessionId, entry);
    } else {
      const where = { label, line, source };
      if (entry.timestampMs === undefined) throw fieldError(where, 'timestamp', 'has no "timestamp" (ms from the start of the trace)');
      lastOfSession.set(`\u0000line ${line}`, entry);
    }
    // A plain trace is one schedule: it must not go back in time. A session trace's turns are checked per session.
    if (!hasSessions && previous?.timestampMs !== undefined && entry.timestampMs !== undefined && entry.timestampMs < previous.timestampMs) {
      throw fieldError(
        { label, line, source },
        'timestamp',
        `timestamp ${entry.timestampMs} goes backwards (line ${previous.line} has ${previous.timestampMs}): a trace must be in time order`,
      );
    }
    entries.push(entry);
    previous = entry;
  });
  if (entries.length === 0) throw new UsageError(`trace file ${label} has no entries`);
  const trace: Trace = { label, sha256, entries, blockSize, fields };
  if (hasSessions) trace.sessions = groupSessions(entries, label);
  return trace;
}

interface Where {
  label: string;
  line: number;
  /** The line's text, to find a field's column. */
  source: string;
}

/** `file:line:column: message`, the column where the field's key is (1 when it is missing). */
function fieldError(where: Where, field: string, message: string): UsageError {
  const at = where.source.indexOf(`"${field}"`);
  return new UsageError(`${where.label}:${where.line}:${at === -1 ? 1 : at + 1}: ${message}`);
}

function readEntry(object: Record<string, unknown>, at: Where & { blockSize: number; index: number }): TraceEntry {
  const entry: TraceEntry = { line: at.line, index: at.index };
  const number = (field: string, check: (n: number) => boolean, what: string): number | undefined => {
    const value = object[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
      throw fieldError(at, field, `"${field}" must be ${what}, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const positiveInt = (n: number) => Number.isInteger(n) && n >= 1;
  entry.timestampMs = number('timestamp', (n) => n >= 0, 'a number of ms >= 0');
  entry.delayMs = number('delay', (n) => n >= 0, 'a number of ms >= 0');
  entry.inputLength = number('input_length', positiveInt, 'a whole number of tokens >= 1');
  entry.outputLength = number('output_length', positiveInt, 'a whole number of tokens >= 1');
  if (entry.timestampMs === undefined) delete entry.timestampMs;
  if (entry.delayMs === undefined) delete entry.delayMs;
  if (entry.inputLength === undefined) delete entry.inputLength;
  if (entry.outputLength === undefined) delete entry.outputLength;

  const session = object.session_id;
  if (session !== undefined && session !== null) {
    if ((typeof session !== 'string' || session === '') && !(typeof session === 'number' && Number.isFinite(session))) {
      throw fieldError(at, 'session_id', `"session_id" must be a non-empty string or a number, got ${JSON.stringify(session)}`);
    }
    entry.sessionId = String(session);
  }

  for (const field of PROMPT_FIELDS) {
    const value = object[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || value === '') throw fieldError(at, field, `"${field}" must be non-empty text, got ${JSON.stringify(value)}`);
    entry.prompt = value;
    break;
  }
  if (object.messages !== undefined && object.messages !== null) entry.messages = readMessages(object.messages, at);
  if (entry.prompt === undefined && entry.messages === undefined && entry.inputLength === undefined) {
    throw fieldError(at, 'input_length', 'has no "input_length" (nor a "prompt" or "messages"): a trace line needs its input length or its text');
  }

  const hashIds = object.hash_ids;
  if (hashIds !== undefined && hashIds !== null) {
    if (!Array.isArray(hashIds) || !hashIds.every((id) => typeof id === 'number' && Number.isInteger(id) && id >= 0)) {
      throw fieldError(at, 'hash_ids', `"hash_ids" must be a list of whole numbers >= 0, got ${JSON.stringify(hashIds).slice(0, 80)}`);
    }
    if (entry.inputLength === undefined) throw fieldError(at, 'hash_ids', '"hash_ids" needs "input_length": each id stands for a block of its tokens');
    const needed = Math.ceil(entry.inputLength / at.blockSize);
    if (hashIds.length !== needed) {
      throw fieldError(
        at,
        'hash_ids',
        `"hash_ids" has ${hashIds.length} block${hashIds.length === 1 ? '' : 's'} but input_length ${entry.inputLength} at block size ${at.blockSize} ` +
          `needs ${needed} (${at.blockSize} tokens a block, the last one partial); set --trace-block-size to the trace's block size`,
      );
    }
    entry.hashIds = hashIds as number[];
  }
  return entry;
}

function readMessages(value: unknown, at: Where): TraceMessage[] {
  const bad = (why: string) => fieldError(at, 'messages', `"messages" ${why}`);
  if (!Array.isArray(value) || value.length === 0) throw bad('must be a non-empty list of {"role", "content"}');
  return value.map((message, i) => {
    if (!message || typeof message !== 'object' || Array.isArray(message)) throw bad(`[${i}] must be an object with "role" and "content"`);
    const { role, content } = message as Record<string, unknown>;
    if (typeof role !== 'string' || role === '') throw bad(`[${i}] has no "role"`);
    if (typeof content !== 'string') throw bad(`[${i}] "content" must be text`);
    return { role, content };
  });
}

/** A session turn after the first needs a timestamp not before the previous turn's, or a delay. */
function checkSessionTurn(entry: TraceEntry, last: TraceEntry | undefined, where: Where): void {
  if (!last) {
    if (entry.timestampMs === undefined) {
      throw fieldError(where, 'timestamp', `has no "timestamp": the first turn of session ${JSON.stringify(entry.sessionId)} needs one (later turns may give a "delay")`);
    }
    return;
  }
  if (entry.timestampMs === undefined && entry.delayMs === undefined) {
    throw fieldError(where, 'timestamp', `has no "timestamp" nor "delay": a later turn of session ${JSON.stringify(entry.sessionId)} needs one`);
  }
  if (entry.timestampMs !== undefined && last.timestampMs !== undefined && entry.timestampMs < last.timestampMs) {
    throw fieldError(
      where,
      'timestamp',
      `timestamp ${entry.timestampMs} goes backwards within session ${JSON.stringify(entry.sessionId)} (its turn on line ${last.line} has ${last.timestampMs})`,
    );
  }
}

/** Sessions by start time (file order among equal starts); a line without a session_id is a session of its own. */
function groupSessions(entries: TraceEntry[], label: string): TraceSession[] {
  const byId = new Map<string, TraceSession>();
  const sessions: TraceSession[] = [];
  for (const entry of entries) {
    const id = entry.sessionId ?? `${label}:${entry.line}`;
    let session = byId.get(id);
    if (!session) {
      session = { id, turns: [], startMs: entry.timestampMs as number };
      if (entry.sessionId !== undefined) byId.set(id, session);
      sessions.push(session);
    }
    session.turns.push(entry);
  }
  // Stable: equal starts keep file order.
  return sessions.sort((a, b) => a.startMs - b.startMs);
}
