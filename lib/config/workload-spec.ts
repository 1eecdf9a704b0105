/**
 * The `workload` config object: prompts and outputs by token length, shared
 * prefixes (docs/workloads.md). Flat, one field per flag (`input_tokens_max`
 * is `--input-tokens-max`), so an error names the flag that set it.
 */
import { z } from 'zod';

/** No public model takes more; without --max-model-len, prompts are checked against this. */
export const LARGEST_CONTEXT = 2_097_152;

const tokens = z.int('must be a whole number of tokens').min(1, 'must be at least 1 token').max(LARGEST_CONTEXT, `must be at most ${LARGEST_CONTEXT} tokens`);

export const WorkloadSchema = z
  .strictObject({
    /** Tokens of each generated prompt: the mean when a stddev is given. */
    input_tokens: tokens.optional(),
    input_tokens_stddev: z.number().min(0).optional(),
    /** Also filters dataset rows (--data) by their length in the run's tokenizer. */
    input_tokens_min: tokens.optional(),
    input_tokens_max: tokens.optional(),
    /** Sets the protocol's own output limit field (max_tokens, max_output_tokens, ...). */
    output_tokens: tokens.optional(),
    output_tokens_stddev: z.number().min(0).optional(),
    output_tokens_min: tokens.optional(),
    output_tokens_max: tokens.optional(),
    /** Also ask the server to ignore end-of-sequence (ignore_eos, min_tokens: vLLM, SGLang). */
    exact_output: z.boolean().default(false),
    /** Each prompt starts with one of `prefixes` shared prefixes of this many tokens, before its own input_tokens. */
    prefix_tokens: tokens.optional(),
    prefixes: z.int().min(1).max(100_000).optional(),
    /** The model's context length: prefix + input (+ output) must fit. */
    max_model_len: tokens.optional(),
  })
  .superRefine((w, ctx) => {
    const problem = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    for (const side of ['input', 'output'] as const) {
      const mean = w[`${side}_tokens`];
      const stddev = w[`${side}_tokens_stddev`];
      const min = w[`${side}_tokens_min`];
      const max = w[`${side}_tokens_max`];
      if (stddev !== undefined && mean === undefined) problem(`${side}_tokens_stddev`, `a stddev needs a mean: add --${side}-tokens`);
      if (side === 'output' && mean === undefined) {
        if (min !== undefined) problem('output_tokens_min', 'needs --output-tokens');
        if (max !== undefined) problem('output_tokens_max', 'needs --output-tokens');
      }
      if (min !== undefined && max !== undefined && min > max) problem(`${side}_tokens_min`, `${min} is above --${side}-tokens-max ${max}`);
      else if (mean !== undefined && ((min !== undefined && mean < min) || (max !== undefined && mean > max))) {
        problem(`${side}_tokens`, `${mean} is outside --${side}-tokens-min/--${side}-tokens-max [${min ?? 1}, ${max ?? '∞'}]`);
      }
    }
    if (w.exact_output && w.output_tokens === undefined) problem('exact_output', 'needs --output-tokens (the length to produce exactly)');
    if (w.prefixes !== undefined && w.prefix_tokens === undefined) problem('prefixes', 'needs --prefix-tokens (the length of each shared prefix)');
    if (w.prefix_tokens !== undefined && w.input_tokens === undefined) {
      problem('prefix_tokens', 'needs --input-tokens: the prefix comes before each prompt\'s own part');
    }
    const limit = w.max_model_len ?? LARGEST_CONTEXT;
    const limitName = w.max_model_len !== undefined ? `--max-model-len ${limit}` : `the largest context of any model (${limit})`;
    const longestInput = w.input_tokens_max ?? w.input_tokens;
    if (w.prefix_tokens !== undefined && w.prefix_tokens <= LARGEST_CONTEXT && w.prefix_tokens + (longestInput ?? 0) > limit) {
      problem('prefix_tokens', `${w.prefix_tokens} + ${longestInput ?? 0} input tokens = ${w.prefix_tokens + (longestInput ?? 0)} is longer than ${limitName}`);
    } else if (w.max_model_len !== undefined && longestInput !== undefined) {
      const total = (w.prefix_tokens ?? 0) + longestInput + (w.output_tokens_max ?? w.output_tokens ?? 0);
      if (total > limit) problem('input_tokens', `prefix + input + output tokens = ${total} is longer than ${limitName}`);
    }
  });

export type Workload = z.output<typeof WorkloadSchema>;

/** A token-length distribution: fixed, or normal around a mean, clamped to [min, max] and to at least 1. */
export interface LengthDistribution {
  mean: number;
  stddev: number;
  min: number;
  max: number;
}

export function inputLengths(w: Workload): LengthDistribution | undefined {
  return lengths(w.input_tokens, w.input_tokens_stddev, w.input_tokens_min, w.input_tokens_max, w.max_model_len === undefined ? undefined : w.max_model_len - (w.prefix_tokens ?? 0));
}

export function outputLengths(w: Workload): LengthDistribution | undefined {
  return lengths(w.output_tokens, w.output_tokens_stddev, w.output_tokens_min, w.output_tokens_max, undefined);
}

function lengths(mean: number | undefined, stddev: number | undefined, min: number | undefined, max: number | undefined, cap: number | undefined): LengthDistribution | undefined {
  if (mean === undefined) return undefined;
  return { mean, stddev: stddev ?? 0, min: min ?? 1, max: Math.min(max ?? LARGEST_CONTEXT, cap ?? LARGEST_CONTEXT) };
}

/** True when the workload generates prompts or sets output lengths. */
export function hasWorkload(w: Workload | undefined): w is Workload {
  return w !== undefined && (w.input_tokens !== undefined || w.output_tokens !== undefined);
}

/** The workload flags, by field, for messages. */
export function workloadFlag(field: string): string {
  return `--${field.replace(/_/g, '-')}`;
}
