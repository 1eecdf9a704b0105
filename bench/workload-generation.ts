/**
 * What a workload costs the client before the clock: loading each tokenizer,
 * generating 10,000 prompts of 1,024 tokens, checking a prompt's length by
 * encoding it whole, and counting ShareGPT-sized prompts.
 *   npx tsx bench/workload-generation.ts [path/to/tokenizer.json ...]
 */
import { createPromptGenerator } from '../lib/data/prompt-generator.ts';
import { loadTokenizer } from '../lib/stats/tokenizer.ts';

const PROMPTS = 10_000;
const TOKENS = 1_024;
const specs = ['o200k', 'cl100k', ...process.argv.slice(2)];

console.log('| tokenizer | load ms | 10,000 x 1,024-token prompts, ms | µs a prompt | whole-prompt check, ms a prompt | exact (of 200 checked) |');
console.log('|---|--:|--:|--:|--:|--:|');
for (const spec of specs) {
  const loadStart = performance.now();
  const tokenizer = await loadTokenizer(spec);
  const loadMs = performance.now() - loadStart;
  // No whole-prompt checks inside the timing: the generation alone, as a big run does it once the check budget is spent.
  const generator = createPromptGenerator(tokenizer, { seed: 1, checkBudgetMs: 0 });
  const began = performance.now();
  const prompts: string[] = [];
  for (let i = 0; i < PROMPTS; i++) prompts.push(generator.generate({ tokens: TOKENS, uniqueSeed: i }));
  const generateMs = performance.now() - began;
  const checkStart = performance.now();
  let exact = 0;
  for (let i = 0; i < 200; i++) if (tokenizer.count(prompts[i * 50]!) === TOKENS) exact++;
  const checkMs = (performance.now() - checkStart) / 200;
  console.log(
    `| ${tokenizer.name.replace(/^hf:.*\//, 'hf:')} | ${loadMs.toFixed(0)} | ${generateMs.toFixed(0)} | ${((generateMs / PROMPTS) * 1000).toFixed(1)} | ${checkMs.toFixed(2)} | ${exact} |`,
  );
}
