/**
 * Datasets of conversations, for --turns with --data: ShareGPT JSON (an array
 * of {conversations: [{from, value}, ...]}: the human turns are the user
 * turns) and OpenAI-style rows ({"messages": [...]}, JSON or JSONL: the user
 * messages are the user turns, leading system messages kept as its
 * instructions). The dataset's own assistant turns are not sent: each turn
 * carries the reply the server actually streamed. Format is read from the
 * content (prompt-dataset.ts sniffs it the same way).
 */
import { createHash } from 'node:crypto';
import { parseJsonWithPosition } from '../config/config.ts';
import { UsageError } from '../record/errors.ts';
import { readInputFile } from '../util/input-file.ts';
import type { ChatMessage } from '../wire/protocols/protocol.ts';
import type { DatasetFingerprint } from './dataset.ts';
import { sniffContent } from './prompt-dataset.ts';

export interface DatasetConversation {
  /** System messages before the first user turn. */
  instructions: ChatMessage[];
  /** The user turns' contents, in order. */
  userTurns: unknown[];
}

export interface ConversationDataset {
  label: string;
  format: 'sharegpt' | 'messages';
  /** Rows with at least two user turns, in file order. */
  conversations: DatasetConversation[];
  /** Rows left out: fewer than two user turns, or no conversation at all. */
  skipped: number;
  fingerprint(): DatasetFingerprint;
}

const EXPECTED = 'expected ShareGPT JSON ([{"conversations": [{"from": "human", "value": ...}, ...]}]) or OpenAI-style rows ({"messages": [...]}, JSON or JSONL)';
const HUMAN = new Set(['human', 'user']);
const SYSTEM = new Set(['system']);

export async function readConversationDataset(path: string, label: string): Promise<ConversationDataset> {
  const bytes = await readInputFile(path, `data file ${label}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new UsageError(`data file ${label} is not UTF-8 JSON: --turns with --data needs conversations; ${EXPECTED}`);
  }
  const rows: unknown[] = [];
  const sniffed = sniffContent(text);
  if (sniffed === 'json-array') {
    rows.push(...(parseJsonWithPosition(text, label) as unknown[]));
  } else if (sniffed === 'json-object') {
    text.split('\n').forEach((raw, i) => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() !== '') rows.push(parseJsonWithPosition(line, label, i + 1));
    });
  } else {
    throw new UsageError(`data file ${label} has no conversations (it is not JSON): --turns with --data needs them; ${EXPECTED}`);
  }
  const format = rows.some((row) => isObject(row) && Array.isArray(row.conversations)) ? 'sharegpt' : rows.some((row) => isObject(row) && Array.isArray(row.messages)) ? 'messages' : undefined;
  if (!format) throw new UsageError(`data file ${label} has no conversations: --turns with --data needs them; ${EXPECTED}`);
  const conversations: DatasetConversation[] = [];
  let skipped = 0;
  for (const row of rows) {
    const conversation = format === 'sharegpt' ? fromShareGpt(row) : fromMessages(row);
    if (conversation && conversation.userTurns.length >= 2) conversations.push(conversation);
    else skipped++;
  }
  if (conversations.length === 0) {
    throw new UsageError(
      `data file ${label} has no multi-turn conversation: none of its ${rows.length} rows (${format}) has two or more user turns, and --turns needs them`,
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { label, format, conversations, skipped, fingerprint: () => ({ file: label, sha256, rows: conversations.length, columns: [format] }) };
}

function fromShareGpt(row: unknown): DatasetConversation | undefined {
  if (!isObject(row) || !Array.isArray(row.conversations)) return undefined;
  const instructions: ChatMessage[] = [];
  const userTurns: unknown[] = [];
  for (const turn of row.conversations) {
    if (!isObject(turn) || typeof turn.value !== 'string' || turn.value.trim() === '') continue;
    const from = String(turn.from);
    if (HUMAN.has(from)) userTurns.push(turn.value);
    else if (SYSTEM.has(from) && userTurns.length === 0) instructions.push({ role: 'system', content: turn.value });
  }
  return { instructions, userTurns };
}

function fromMessages(row: unknown): DatasetConversation | undefined {
  if (!isObject(row) || !Array.isArray(row.messages)) return undefined;
  const instructions: ChatMessage[] = [];
  const userTurns: unknown[] = [];
  for (const message of row.messages) {
    if (!isObject(message) || typeof message.role !== 'string' || !('content' in message)) continue;
    if (message.role === 'user') userTurns.push(message.content);
    else if ((message.role === 'system' || message.role === 'developer') && userTurns.length === 0) instructions.push({ role: message.role, content: message.content });
  }
  return { instructions, userTurns };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
