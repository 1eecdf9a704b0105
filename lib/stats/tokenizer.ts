/**
 * The run's tokenizer: o200k or cl100k (gpt-tokenizer, pure JS), or a model's
 * own Hugging Face tokenizer.json (hf-tokenizer.ts). It sizes generated
 * prompts (lib/data/prompt-generator.ts) and estimates output tokens for
 * servers that report no usage. Loaded lazily: o200k costs ~400 ms and tens of
 * MB, which runs that use no tokenizer never pay. Output text is counted after
 * the run, never while requests are in flight, so it cannot delay a timestamp.
 */
import type { RecordStore } from '../record/record-store.ts';
import { loadHfTokenizer } from './hf-tokenizer.ts';

export const TOKENIZERS = ['o200k', 'cl100k'] as const;
export type TokenizerName = (typeof TOKENIZERS)[number];
/** Sizes generated prompts when no --tokenizer is given. */
export const DEFAULT_PROMPT_TOKENIZER: TokenizerName = 'o200k';

export interface Tokenizer {
  /** As recorded in results: "o200k", "cl100k", or "hf:<file as given>". */
  readonly name: string;
  /** Tokens of `text` as the model sees it: no special tokens added (BOS and chat template are the server's). */
  count(text: string): number;
  /** The token ids (the simulated endpoint's prefix cache hashes them). */
  encode(text: string): number[];
}

export function isBuiltinTokenizer(spec: string): spec is TokenizerName {
  return (TOKENIZERS as readonly string[]).includes(spec);
}

/**
 * `spec` is a built-in name or the path of a tokenizer.json (`label`: the path
 * as the user gave it, for messages and results). A file that is not a
 * tokenizer is a UsageError naming the file.
 */
export async function loadTokenizer(spec: string, label = spec): Promise<Tokenizer> {
  if (!isBuiltinTokenizer(spec)) return loadHfTokenizer(spec, label);
  const encoding =
    spec === 'o200k' ? await import('gpt-tokenizer/encoding/o200k_base') : await import('gpt-tokenizer/encoding/cl100k_base');
  // Text may contain "<|endoftext|>" literally: count it as text, don't throw.
  const options = { disallowedSpecial: new Set<string>() };
  return { name: spec, count: (text) => encoding.countTokens(text, options), encode: (text) => encoding.encode(text, options) };
}

/** Sets tokenizerTokens on every successful record that kept its text, and drops every text. */
export async function applyTokenizer(records: RecordStore, tokenizer: Tokenizer | Promise<Tokenizer>): Promise<void> {
  const { count } = await tokenizer;
  for (let index = 0; index < records.length; index++) {
    const text = records.outputText(index);
    if (text !== undefined && !records.failed(index)) records.setTokenizerTokens(index, count(text));
  }
  records.dropOutputTexts();
}
