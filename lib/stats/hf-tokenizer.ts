/**
 * A model's own tokenizer from its Hugging Face `tokenizer.json`, read with
 * @huggingface/tokenizers (pure JS, no dependencies). Measured on this
 * project's 2-core VM with Qwen3's tokenizer.json (11 MB): ~1.8 s to load and
 * ~150 MB of heap, then ~0.1 M tokens/s (o200k: ~1 M tokens/s) — which is
 * why the prompt generator counts sentences once and adds, instead of encoding
 * every prompt (docs/workloads.md).
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '../record/errors.ts';
import { whyUnreadable } from '../util/input-file.ts';

/** A Tokenizer (tokenizer.ts), which imports this file: the shape is spelled out here to keep imports one-way. */
export async function loadHfTokenizer(path: string, label: string): Promise<{ name: string; count(text: string): number; encode(text: string): number[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--tokenizer ${label}: cannot read it (${whyUnreadable(error)}); use o200k, cl100k or the path of a tokenizer.json`);
  }
  const notATokenizer = (why: string) =>
    new UsageError(`--tokenizer ${label} is not a Hugging Face tokenizer.json (${why}); use o200k, cl100k or a model's tokenizer.json`);
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    throw notATokenizer('not JSON');
  }
  const model = (json as { model?: { type?: unknown } } | null)?.model;
  if (!json || typeof json !== 'object' || Array.isArray(json) || !model || typeof model !== 'object') {
    throw notATokenizer('no "model" object');
  }
  const { Tokenizer: HfTokenizer } = await import('@huggingface/tokenizers');
  let tokenizer: InstanceType<typeof HfTokenizer>;
  try {
    // The library requires a decoder; tokenizer.json files of models without one (WordLevel, some BPE) still count fine.
    const withDecoder = 'decoder' in json && (json as { decoder: unknown }).decoder ? json : { ...json, decoder: { type: 'Fuse' } };
    tokenizer = new HfTokenizer(withDecoder, {});
    tokenizer.encode('streambench', { add_special_tokens: false });
  } catch (error) {
    throw notATokenizer((error as Error).message.split('\n')[0] ?? 'unreadable');
  }
  return {
    name: `hf:${label}`,
    count: (input) => tokenizer.encode(input, { add_special_tokens: false }).ids.length,
    encode: (input) => tokenizer.encode(input, { add_special_tokens: false }).ids,
  };
}
