/**
 * The workload of a run (config.workload): for request i, its generated
 * prompt (exact token length, unique, behind one of K shared prefixes) and its
 * requested output length. Every length is a pure function of (seed, i), so a
 * seed repeats a run. Prompts are generated before the clock starts for every
 * request the run will send (pregenerate); a run with a duration generates the
 * rest on demand, at ~25 µs per 1,024-token prompt (docs/workloads.md).
 */
import { createRng } from '../util/random.ts';
import { inputLengths, outputLengths, type LengthDistribution, type Workload } from '../config/workload-spec.ts';
import { createPromptGenerator, MIN_UNIQUE_TOKENS, type PromptGenerator } from './prompt-generator.ts';
import type { Tokenizer } from '../stats/tokenizer.ts';
import type { DatasetPrompt, PromptDataset } from './prompt-dataset.ts';
import { messagesText } from '../wire/protocols/protocol.ts';
import { UsageError } from '../record/errors.ts';
import { shuffledOrder } from './request-plan.ts';

export interface WorkloadPlan {
  /** Prompts come from the workload: generated (input_tokens) or dataset rows. */
  readonly hasPrompts: boolean;
  readonly tokenizer: Tokenizer;
  /** Request i's prompt; undefined when the workload has none (the body's own prompt is sent). */
  prompt(index: number): DatasetPrompt | undefined;
  /** Request i's prompt tokens in the run's tokenizer (prefix included; a dataset's messages: their text). */
  inputTokens(index: number): number | undefined;
  /** Request i's requested output tokens. */
  outputTokens(index: number): number | undefined;
  /** The dataset row (0-based, among rows with a prompt) request i sends. */
  rowOf(index: number): number | undefined;
  /**
   * Generates the prompts (or counts the dataset rows) of requests 0..count-1
   * now, before the clock; Infinity (a duration): only what must be known
   * before (a length filter's scan). Returns how long it took, ms.
   */
  prepare(count: number): number;
  /** What the results record. */
  describe(): WorkloadInfo;
}

/** Recorded in results.workload. */
export interface WorkloadInfo {
  tokenizer: string;
  input_tokens?: LengthDistribution;
  output_tokens?: LengthDistribution;
  exact_output: boolean;
  prefix_tokens?: number;
  prefixes?: number;
  /** A dataset: its format and the rows used (after --input-tokens-min/max). */
  dataset?: { format: string; rows: number; skipped: number; selected: number; filtered_out: number };
  /** Prompts generated (or dataset rows counted) before the clock, and how long that took. */
  prepared: number;
  prepare_ms: number;
  /** Generated prompts encoded whole to check their length (all agreed, or were corrected). */
  length_checked?: number;
  length_corrected?: number;
}

export interface WorkloadOptions {
  /** The run's seed (lengths, prompts, prefixes, shuffled rows). */
  seed: number;
  /** Dataset rows as prompts, in place of generated ones. */
  dataset?: PromptDataset;
  /** Send the dataset rows in a seeded random order. */
  shuffle?: boolean;
}

export function createWorkloadPlan(workload: Workload, tokenizer: Tokenizer, options: WorkloadOptions): WorkloadPlan {
  const { seed, dataset } = options;
  const inputs = dataset ? undefined : inputLengths(workload);
  const outputs = outputLengths(workload);
  const prefixes = workload.prefix_tokens === undefined ? undefined : (workload.prefixes ?? 1);
  const generator: PromptGenerator | undefined = inputs && createPromptGenerator(tokenizer, { seed, prefixTokens: workload.prefix_tokens });
  const rows = dataset && createRowSelection(dataset, tokenizer, workload, options.shuffle ? seed : undefined);
  const prompts = new Map<number, string>();
  let prepared = 0;
  let prepareMs = 0;

  const ownLength = (index: number) => (inputs ? sampleLength(inputs, seed, index, 1) : 0);
  // Which prefix request i shares: drawn with the seed, so neighbours rarely share one.
  const prefixOf = (index: number) => (prefixes === undefined ? undefined : Math.floor(createRng(mixSeed(seed, index, 3))() * prefixes));

  const generated = (index: number): string => {
    let text = prompts.get(index);
    if (text === undefined) {
      text = generator!.generate({ tokens: ownLength(index), prefixId: prefixOf(index), uniqueSeed: index });
      prompts.set(index, text);
    }
    return text;
  };

  return {
    hasPrompts: generator !== undefined || rows !== undefined,
    tokenizer,
    prompt: (index) => (generator ? generated(index) : rows?.prompt(index)),
    inputTokens: (index) => (inputs ? ownLength(index) + (workload.prefix_tokens ?? 0) : rows?.tokens(index)),
    outputTokens: (index) => (outputs ? sampleLength(outputs, seed, index, 2) : undefined),
    rowOf: (index) => rows?.rowOf(index),
    prepare(count) {
      const began = performance.now();
      if (rows) prepared = rows.prepare(count);
      else if (generator && Number.isFinite(count)) {
        for (let index = 0; index < count; index++) generated(index);
        prepared = count;
      }
      prepareMs += performance.now() - began;
      return performance.now() - began;
    },
    describe() {
      const info: WorkloadInfo = { tokenizer: tokenizer.name, exact_output: workload.exact_output, prepared, prepare_ms: Math.round(prepareMs) };
      if (inputs) info.input_tokens = inputs;
      if (outputs) info.output_tokens = outputs;
      if (workload.prefix_tokens !== undefined) Object.assign(info, { prefix_tokens: workload.prefix_tokens, prefixes });
      if (generator) {
        const checks = generator.checks();
        Object.assign(info, { length_checked: checks.checked, length_corrected: checks.corrected });
      }
      if (rows && dataset) info.dataset = { format: dataset.format, rows: dataset.prompts.length, skipped: dataset.skipped, ...rows.counts() };
      return info;
    },
  };
}

/**
 * Which dataset row request i sends: rows in file (or shuffled) order, those
 * outside --input-tokens-min/max left out, cycling. Token counts are taken
 * once per row used; a length filter scans rows until it has enough.
 */
function createRowSelection(dataset: PromptDataset, tokenizer: Tokenizer, workload: Workload, shuffleSeed: number | undefined) {
  const total = dataset.prompts.length;
  const order = shuffleSeed === undefined ? undefined : shuffledOrder(total, shuffleSeed);
  const min = workload.input_tokens_min;
  const max = workload.input_tokens_max;
  const filtered = min !== undefined || max !== undefined;
  const counts = new Map<number, number>();
  const countOf = (row: number): number => {
    let n = counts.get(row);
    if (n === undefined) {
      const prompt = dataset.prompts[row]!;
      n = tokenizer.count(typeof prompt === 'string' ? prompt : messagesText(prompt));
      counts.set(row, n);
    }
    return n;
  };
  const inFileOrder = (position: number) => (order ? order[position]! : position);
  // With a filter: the rows that passed, in order, found by prepare().
  let selected: number[] | undefined;
  let scanned = 0;
  const rowOf = (index: number): number => {
    if (!selected) return inFileOrder(index % total);
    if (selected.length === 0) throw new Error('dataset rows were not selected before the run');
    return selected[index % selected.length]!;
  };
  return {
    rowOf,
    prompt: (index: number) => dataset.prompts[rowOf(index)],
    tokens: (index: number) => countOf(rowOf(index)),
    /** Counts the rows of requests 0..count-1 (scanning for the filter's); returns how many rows were counted. */
    prepare(count: number): number {
      if (!filtered) {
        const used = Math.min(count, total);
        if (Number.isFinite(used)) for (let index = 0; index < used; index++) countOf(rowOf(index));
        return counts.size;
      }
      selected = [];
      for (scanned = 0; scanned < total && selected.length < count; scanned++) {
        const row = inFileOrder(scanned);
        const n = countOf(row);
        if ((min === undefined || n >= min) && (max === undefined || n <= max)) selected.push(row);
      }
      if (selected.length === 0) {
        const range = `${min !== undefined ? `--input-tokens-min ${min}` : ''}${min !== undefined && max !== undefined ? ', ' : ''}${max !== undefined ? `--input-tokens-max ${max}` : ''}`;
        throw new UsageError(`data file ${dataset.label}: no row fits ${range} (in ${tokenizer.name}); its ${total} prompts are all outside that range`);
      }
      return counts.size;
    },
    counts: () => ({ selected: selected ? selected.length : Math.min(total, counts.size || total), filtered_out: selected ? scanned - selected.length : 0 }),
  };
}

/** A note for prompts too short to carry their unique head, or undefined. */
export function shortPromptNote(workload: Workload): string | undefined {
  const inputs = inputLengths(workload);
  const shortest = inputs && (inputs.stddev > 0 ? inputs.min : inputs.mean);
  if (shortest === undefined || shortest >= MIN_UNIQUE_TOKENS) return undefined;
  return `note: prompts under ${MIN_UNIQUE_TOKENS} tokens have no room for a unique head: they are corpus words only, and may repeat (a prefix cache may serve them)`;
}

/** Request i's length: the mean, or a normal draw around it (Box-Muller), rounded and clamped to [min, max]. */
export function sampleLength(d: LengthDistribution, seed: number, index: number, stream: number): number {
  if (d.stddev === 0) return Math.min(d.max, Math.max(d.min, d.mean));
  const rng = createRng(mixSeed(seed, index, stream));
  const u = 1 - rng();
  const v = rng();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.min(d.max, Math.max(d.min, 1, Math.round(d.mean + d.stddev * z)));
}

function mixSeed(seed: number, index: number, stream: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(stream, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
