/**
 * Output-token estimates from a BPE tokenizer (gpt-tokenizer, pure JS), for
 * servers that report no usage. Loaded lazily: it costs ~200 ms and tens of MB,
 * which runs without --tokenizer never pay. Counting happens after the run,
 * never while requests are in flight, so it cannot delay a timestamp.
 */
import type { RecordStore } from '../record/record-store.ts';

export const TOKENIZERS = ['o200k', 'cl100k'] as const;
export type TokenizerName = (typeof TOKENIZERS)[number];

type CountTokens = (text: string) => number;

async function loadTokenizer(name: TokenizerName): Promise<CountTokens> {
  const encoding =
    name === 'o200k'
      ? await import('gpt-tokenizer/encoding/o200k_base')
      : await import('gpt-tokenizer/encoding/cl100k_base');
  // Generated text may contain "<|endoftext|>" literally: count it as text, don't throw.
  const options = { disallowedSpecial: new Set<string>() };
  return (text) => encoding.countTokens(text, options);
}

/** Sets tokenizerTokens on every successful record that kept its text, and drops every text. */
export async function applyTokenizer(records: RecordStore, name: TokenizerName): Promise<void> {
  const count = await loadTokenizer(name);
  for (let index = 0; index < records.length; index++) {
    const text = records.outputText(index);
    if (text !== undefined && !records.failed(index)) records.setTokenizerTokens(index, count(text));
  }
  records.dropOutputTexts();
}
