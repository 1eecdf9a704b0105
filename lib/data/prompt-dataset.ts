/**
 * Datasets whose rows are whole prompts, sent without a template: ShareGPT
 * JSON (an array of {conversations: [{from, value}, ...]}: the first human
 * turn is the prompt), OpenAI-style JSONL ({"messages": [...]}, sent as the
 * messages), and JSON or JSONL rows with a `prompt`, `text` or `question`
 * field. The format is read from the content, not the file name.
 */
import { createHash } from 'node:crypto';
import { parseJsonWithPosition } from '../config/config.ts';
import { UsageError } from '../record/errors.ts';
import { readInputFile } from '../util/input-file.ts';
import type { ChatMessage } from '../wire/protocols/protocol.ts';
import type { DatasetFingerprint } from './dataset.ts';

export type DatasetPrompt = string | ChatMessage[];

export const PROMPT_FIELDS = ['prompt', 'text', 'question'] as const;
export type PromptFormat = 'sharegpt' | 'messages' | (typeof PROMPT_FIELDS)[number];

export interface PromptDataset {
  label: string;
  format: PromptFormat;
  /** JSON (one array) or JSONL (one object a line). */
  container: 'json' | 'jsonl';
  /** Rows with a usable prompt, in file order. */
  prompts: DatasetPrompt[];
  /** Rows without one (no human turn, an empty prompt), skipped. */
  skipped: number;
  fingerprint(): DatasetFingerprint;
}

const EXPECTED =
  'expected ShareGPT JSON ([{"conversations": [{"from": "human", "value": ...}]}]), OpenAI-style JSONL ({"messages": [...]} a line), ' +
  `or JSON/JSONL rows with a ${PROMPT_FIELDS.map((f) => `"${f}"`).join(', ')} field`;

/** What the file's first non-blank character says it is. */
export type Sniffed = 'json-array' | 'json-object' | 'other';

export function sniffContent(text: string): Sniffed {
  const first = /\S/.exec(text.replace(/^\uFEFF/, ''))?.[0];
  return first === '[' ? 'json-array' : first === '{' ? 'json-object' : 'other';
}

/**
 * The file as a prompt dataset, or undefined when it is not one (CSV, or
 * JSONL rows with none of the known fields: those fill {{placeholders}}).
 * A JSON array that is not one is an error naming what was expected.
 */
export async function readPromptDataset(path: string, label: string): Promise<PromptDataset | undefined> {
  const bytes = await readInputFile(path, `data file ${label}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined; // not UTF-8: not JSON; the CSV reader reports its encoding
  }
  const sniffed = sniffContent(text);
  if (sniffed === 'other') return undefined;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const rows: Array<{ value: unknown; line: number }> = [];
  let container: PromptDataset['container'];
  if (sniffed === 'json-array') {
    container = 'json';
    const parsed = parseJsonWithPosition(text.replace(/^\uFEFF/, ''), label) as unknown[];
    parsed.forEach((value) => rows.push({ value, line: 0 }));
  } else {
    container = 'jsonl';
    const lines = text.replace(/^\uFEFF/, '').split('\n');
    lines.forEach((raw, i) => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() !== '') rows.push({ value: parseJsonWithPosition(line, label, i + 1), line: i + 1 });
    });
  }
  const format = detectFormat(rows.map((row) => row.value));
  if (!format) {
    if (container === 'jsonl') return undefined;
    throw new UsageError(`data file ${label}: no usable row; ${EXPECTED}`);
  }
  const prompts: DatasetPrompt[] = [];
  let skipped = 0;
  for (const { value } of rows) {
    const prompt = promptOf(value, format);
    if (prompt === undefined) skipped++;
    else prompts.push(prompt);
  }
  if (prompts.length === 0) {
    throw new UsageError(`data file ${label}: none of its ${rows.length} rows has a usable prompt (read as ${format}); ${EXPECTED}`);
  }
  return {
    label,
    format,
    container,
    prompts,
    skipped,
    fingerprint: () => ({ file: label, sha256, rows: prompts.length, columns: [format] }),
  };
}

/** The format of the first row that has a known field. */
function detectFormat(values: readonly unknown[]): PromptFormat | undefined {
  for (const value of values.slice(0, 1000)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    const row = value as Record<string, unknown>;
    if (Array.isArray(row.conversations)) return 'sharegpt';
    if (Array.isArray(row.messages)) return 'messages';
    const field = PROMPT_FIELDS.find((name) => typeof row[name] === 'string');
    if (field) return field;
  }
  return undefined;
}

const HUMAN = new Set(['human', 'user']);

function promptOf(value: unknown, format: PromptFormat): DatasetPrompt | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const row = value as Record<string, unknown>;
  if (format === 'sharegpt') {
    const turns = Array.isArray(row.conversations) ? row.conversations : [];
    const first = turns.find((turn) => turn && typeof turn === 'object' && HUMAN.has(String((turn as { from?: unknown }).from)));
    const text = (first as { value?: unknown } | undefined)?.value;
    return typeof text === 'string' && text.trim() !== '' ? text : undefined;
  }
  if (format === 'messages') {
    const messages = (Array.isArray(row.messages) ? row.messages : []).filter(
      (m): m is ChatMessage => !!m && typeof m === 'object' && typeof (m as { role?: unknown }).role === 'string' && 'content' in m,
    );
    // Up to the last user message: a trailing assistant reply is the answer, not part of the request.
    let last = messages.length - 1;
    while (last >= 0 && messages[last]!.role !== 'user') last--;
    return last >= 0 ? messages.slice(0, last + 1).map(({ role, content }) => ({ role, content })) : undefined;
  }
  const text = row[format];
  return typeof text === 'string' && text.trim() !== '' ? text : undefined;
}
