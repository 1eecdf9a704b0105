/**
 * Sets up a run's workload before anything starts: the tokenizer, a prompt
 * dataset (--data without a body template) or generated prompts, and every
 * combination checked, so bad input fails with no request sent.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { Config } from '../config/config.ts';
import { hasWorkload } from '../config/workload-spec.ts';
import { UsageError } from '../record/errors.ts';
import { DEFAULT_PROMPT_TOKENIZER, isBuiltinTokenizer, loadTokenizer, type Tokenizer } from '../stats/tokenizer.ts';
import type { Protocol } from '../wire/protocols/protocol.ts';
import { readPromptDataset, sniffContent, type PromptDataset } from './prompt-dataset.ts';
import { createWorkloadPlan, shortPromptNote, type WorkloadPlan } from './workload.ts';
import { workloadBody } from './workload-requests.ts';
import { open } from 'node:fs/promises';

export interface WorkloadSetup {
  plan: WorkloadPlan;
  dataset?: PromptDataset;
  /** Lines for stderr. */
  notes: string[];
}

/** The tokenizer spec as a path to load and a label to show, or a built-in name. */
export function tokenizerSource(config: Config, baseDir: string, cwd: string): { spec: string; label: string } {
  const spec = config.tokenizer ?? DEFAULT_PROMPT_TOKENIZER;
  if (isBuiltinTokenizer(spec)) return { spec, label: spec };
  const path = resolve(baseDir, spec);
  const fromCwd = relative(cwd, path);
  return { spec: path, label: fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path };
}

/** The run's tokenizer, loaded once (prompts and output estimates share it), or undefined when nothing needs one. */
export async function loadRunTokenizer(config: Config, baseDir: string, cwd: string, needed: boolean): Promise<Tokenizer | undefined> {
  if (!needed && config.tokenizer === undefined) return undefined;
  const { spec, label } = tokenizerSource(config, baseDir, cwd);
  return loadTokenizer(spec, label);
}

/** A data file that holds whole prompts (no body template), or undefined. */
export async function promptDatasetOf(config: Config, baseDir: string, cwd: string): Promise<PromptDataset | undefined> {
  const source = config.data_source;
  if (!source) return undefined;
  const path = resolve(baseDir, source.file);
  const fromCwd = relative(cwd, path);
  const label = fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
  if (config.body !== undefined) {
    // A template fills {{placeholders}} from CSV or JSONL rows; a JSON array would reach the CSV reader.
    const head = await readHead(path);
    if (sniffContent(head) === 'json-array') {
      throw new UsageError(
        `data file ${label} is a JSON array: as a prompt dataset it fills the request itself (leave out the body / -d), or write it as JSONL (one object a line) to fill {{placeholders}}`,
      );
    }
    return undefined;
  }
  return readPromptDataset(path, label);
}

export interface SetupInput {
  config: Config;
  body: unknown;
  protocol: Protocol | undefined;
  tokenizer: Tokenizer | undefined;
  dataset: PromptDataset | undefined;
}

/** The workload plan, or undefined when the run has none (no workload flags, no prompt dataset). */
export function setUpWorkload({ config, body, protocol, tokenizer, dataset }: SetupInput): WorkloadSetup | undefined {
  const workload = config.workload ?? { exact_output: false };
  checkCombinations(config, dataset);
  if (!hasWorkload(config.workload) && !dataset) return undefined;
  if (!tokenizer) throw new Error('a workload needs the run tokenizer');
  const plan = createWorkloadPlan(workload, tokenizer, { seed: config.seed ?? 0, dataset, shuffle: config.shuffle });
  workloadBody(config, body, protocol, plan); // checks the body and protocol fields now
  const notes: string[] = [];
  const short = shortPromptNote(workload);
  if (short) notes.push(short);
  return { plan, dataset, notes };
}

function checkCombinations(config: Config, dataset: PromptDataset | undefined): void {
  if (dataset && config.group_by !== undefined) {
    throw new UsageError(`--group-by: ${dataset.label} is a prompt dataset (sent as the request, no template); group_by works with rows that fill {{placeholders}}`);
  }
  const w = config.workload;
  if (!w) return;
  if (config.data_source && w.input_tokens !== undefined) {
    throw new UsageError('--input-tokens generates prompts, --data reads them from a file: use one (--input-tokens-max filters dataset rows by length)');
  }
  if (config.data_source && !dataset && (w.input_tokens_min !== undefined || w.input_tokens_max !== undefined)) {
    throw new UsageError('--input-tokens-min/--input-tokens-max filter a prompt dataset (JSON/JSONL rows sent without a body template), not rows that fill {{placeholders}}');
  }
  if (!config.data_source && w.input_tokens === undefined) {
    if (w.input_tokens_min !== undefined) throw new UsageError('--input-tokens-min needs --input-tokens (generated prompts) or --data (a prompt dataset to filter)');
    if (w.input_tokens_max !== undefined) throw new UsageError('--input-tokens-max needs --input-tokens (generated prompts) or --data (a prompt dataset to filter)');
  }
}

export function describeWorkload(setup: WorkloadSetup, config: Config): string {
  const w = config.workload;
  const parts: string[] = [];
  const range = (mean: number, stddev?: number, min?: number, max?: number) =>
    `${mean}${stddev ? ` ± ${stddev}` : ''}${min !== undefined || max !== undefined ? ` in [${min ?? 1}, ${max ?? '∞'}]` : ''}`;
  if (setup.dataset) {
    const d = setup.dataset;
    parts.push(`prompts from ${d.label} (${d.format}, ${d.prompts.length} rows${d.skipped ? `, ${d.skipped} without a prompt skipped` : ''})`);
  } else if (w?.input_tokens !== undefined) {
    parts.push(`prompts of ${range(w.input_tokens, w.input_tokens_stddev, w.input_tokens_min, w.input_tokens_max)} tokens`);
  }
  if (w?.prefix_tokens !== undefined) parts.push(`each after 1 of ${w.prefixes ?? 1} shared prefixes of ${w.prefix_tokens} tokens`);
  if (w?.output_tokens !== undefined) {
    parts.push(`output ${range(w.output_tokens, w.output_tokens_stddev, w.output_tokens_min, w.output_tokens_max)} tokens${w.exact_output ? ' (exact: ignore_eos, min_tokens)' : ' (max)'}`);
  }
  parts.push(`tokenizer ${setup.plan.tokenizer.name}`);
  return `workload: ${parts.join(' | ')}`;
}

/** The first bytes of a file as text ('' when it cannot be read: the data reader reports that). */
async function readHead(path: string): Promise<string> {
  try {
    const file = await open(path, 'r');
    try {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(256), 0, 256, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await file.close();
    }
  } catch {
    return '';
  }
}
