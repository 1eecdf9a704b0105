/** Prompt datasets: the format comes from the content, every format's rows, and errors that say what was expected. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPromptDataset } from '../lib/data/prompt-dataset.ts';
import { sampleLength } from '../lib/data/workload.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'streambench-prompts-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function read(name: string, text: string) {
  const path = join(dir, name);
  await writeFile(path, text);
  return readPromptDataset(path, name);
}

describe('readPromptDataset', () => {
  it('reads the format from the content, whatever the file is called', async () => {
    expect((await read('a.txt', '{"text": "one"}\n{"text": "two"}\n'))!).toMatchObject({ format: 'text', container: 'jsonl', prompts: ['one', 'two'] });
    expect((await read('b.jsonl', '[{"prompt": "p"}]'))!).toMatchObject({ format: 'prompt', container: 'json', prompts: ['p'] });
    expect((await read('c.json', '\uFEFF  [{"messages": [{"role": "user", "content": "m"}]}]'))!.prompts).toEqual([[{ role: 'user', content: 'm' }]]);
    expect((await read('d.json', '[{"conversations": [{"from": "user", "value": "s"}]}]'))!).toMatchObject({ format: 'sharegpt', prompts: ['s'] });
  });

  it('is not a prompt dataset for CSV, or for JSONL rows with other fields (those fill {{placeholders}})', async () => {
    expect(await read('e.csv', 'content,topic\nhello,a\n')).toBeUndefined();
    expect(await read('f.jsonl', '{"topic": "a", "n": 1}\n')).toBeUndefined();
  });

  it('skips rows without a prompt and counts them', async () => {
    const dataset = (await read('g.json', '[{"question": "q1"}, {"question": ""}, {"other": 1}, {"question": "q2"}]'))!;
    expect(dataset.prompts).toEqual(['q1', 'q2']);
    expect(dataset.skipped).toBe(2);
    expect(dataset.fingerprint()).toMatchObject({ file: 'g.json', rows: 2, columns: ['question'] });
  });

  it('says what it expected, and where bad JSON is', async () => {
    await expect(read('h.json', '[{"title": "x"}]')).rejects.toThrow(/h.json: no usable row; expected ShareGPT JSON .* OpenAI-style JSONL .* "prompt", "text", "question"/);
    await expect(read('i.json', '[{"prompt": "x"},\n  {"prompt": }]')).rejects.toThrow(/^i.json:2:\d+: invalid JSON/);
    await expect(read('j.jsonl', '{"prompt": "x"}\n{"prompt": "y"\n')).rejects.toThrow(/^j.jsonl:2:\d+: invalid JSON/);
    await expect(read('k.jsonl', '{"messages": [{"role": "assistant", "content": "only an answer"}]}\n')).rejects.toThrow(/none of its 1 rows has a usable prompt \(read as messages\)/);
    await expect(readPromptDataset(join(dir, 'missing.json'), 'missing.json')).rejects.toThrow('cannot read data file missing.json: no such file');
  });
});

describe('sampleLength', () => {
  const d = { mean: 100, stddev: 30, min: 60, max: 130 };
  it('is the mean without a stddev, and a seeded normal draw clamped to [min, max] with one', () => {
    expect(sampleLength({ mean: 100, stddev: 0, min: 1, max: 1000 }, 1, 5, 1)).toBe(100);
    const draws = Array.from({ length: 2000 }, (_, i) => sampleLength(d, 7, i, 1));
    expect(draws.every((n) => Number.isInteger(n) && n >= 60 && n <= 130)).toBe(true);
    expect(draws.filter((n) => n === 60).length).toBeGreaterThan(0);
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(90);
    expect(mean).toBeLessThan(105);
    expect(Array.from({ length: 50 }, (_, i) => sampleLength(d, 7, i, 1))).toEqual(draws.slice(0, 50));
    expect(Array.from({ length: 50 }, (_, i) => sampleLength(d, 8, i, 1))).not.toEqual(draws.slice(0, 50));
  });
});
