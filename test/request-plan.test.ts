import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig, type ConfigInput } from '../lib/config/config.ts';
import { openaiChat } from '../lib/wire/protocols/openai-chat.ts';
import { openaiCompletions } from '../lib/wire/protocols/openai-completions.ts';
import type { RequestRecord } from '../lib/record/record.ts';
import { createRequestPlan, loadRequestData, requestBody, shuffledOrder } from '../lib/data/request-plan.ts';

const ROOT = join(import.meta.dirname, '..');
const URL_ = 'http://127.0.0.1:9/v1/chat/completions';
const SEED_CONTENT = ['写一个关于人工智能的短文', '介绍Python编程语言的特点和应用', '分析机器学习算法的优缺点', '解释深度学习的原理', '讨论自然语言处理的发展趋势'];

async function planFor(input: ConfigInput) {
  const config = validateConfig({ url: URL_, ...input }, 'test');
  const body = requestBody(config, URL_, openaiChat, undefined);
  const data = await loadRequestData(config, body, ROOT, ROOT);
  return { data, plan: createRequestPlan(config, URL_, body, openaiChat, data) };
}

const csvSource = { file: 'fixtures/test_data.csv' };
const contentOf = (body: string | undefined) => (JSON.parse(body!) as { messages: Array<{ content: string }> }).messages[0]!.content;
const blankRecord = (): RequestRecord => ({ id: 1, startedAt: 0, tokenTimes: [], reasoningTokens: 0, endedAt: 1, bytes: 0, chunks: 0, sawEndMarker: true });

describe('rows per request', () => {
  it('feeds row i to request i and cycles when requests outnumber rows', async () => {
    const { plan, data } = await planFor({ data_source: csvSource, body: { messages: [{ role: 'user', content: '{{content}}' }], stream: true } });
    expect(data?.seed).toBeUndefined();
    const contents = Array.from({ length: 12 }, (_, i) => contentOf(plan.buildRequest(i).body));
    expect(contents).toEqual([...SEED_CONTENT, ...SEED_CONTENT, SEED_CONTENT[0], SEED_CONTENT[1]]);
    const record = blankRecord();
    plan.tagRecord!(7, record);
    expect(record.rowIndex).toBe(2);
    expect(record.group).toBeUndefined();
  });

  it('applies the protocol to the template: usage is still requested', async () => {
    const { plan } = await planFor({ data_source: csvSource, body: { messages: [{ role: 'user', content: '{{content}}' }], stream: true } });
    expect(JSON.parse(plan.buildRequest(0).body!).stream_options).toEqual({ include_usage: true });
  });

  it('tags each record with its row and group', async () => {
    const { plan } = await planFor({ data_source: csvSource, group_by: 'category', body: { messages: [{ role: 'user', content: '{{topic}}' }] } });
    const record = blankRecord();
    plan.tagRecord!(6, record);
    expect(record).toMatchObject({ rowIndex: 1, group: '技术' });
  });

  it('without a body, sends the default prompt filled from `column`, or else the first column', async () => {
    const first = await planFor({ data_source: csvSource });
    expect(contentOf(first.plan.buildRequest(3).body)).toBe(SEED_CONTENT[3]);
    const topic = await planFor({ data_source: { ...csvSource, column: 'topic' } });
    expect(contentOf(topic.plan.buildRequest(3).body)).toBe('深度学习');
  });

  it("fills the prompt of another protocol's default body too", async () => {
    const url = 'http://127.0.0.1:9/v1/completions';
    const config = validateConfig({ url, data_source: csvSource }, 'test');
    const body = requestBody(config, url, openaiCompletions, 'm');
    const data = await loadRequestData(config, body, ROOT, ROOT);
    const sent = JSON.parse(createRequestPlan(config, url, body, openaiCompletions, data).buildRequest(1).body!);
    expect(sent).toMatchObject({ prompt: SEED_CONTENT[1], model: 'm', stream: true });
    expect(data!.body).toMatchObject({ prompt: '{{content}}' });
  });

  it('leaves {{braces}} alone when there is no data source', async () => {
    const { plan, data } = await planFor({ body: { messages: [{ role: 'user', content: 'explain {{mustache}}' }] } });
    expect(data).toBeUndefined();
    expect(contentOf(plan.buildRequest(0).body)).toBe('explain {{mustache}}');
    expect(plan.tagRecord).toBeUndefined();
  });

  it('refuses group_by or shuffle without a data source', async () => {
    await expect(planFor({ group_by: 'category' })).rejects.toThrow('group_by needs a data_source (or --data FILE)');
    await expect(planFor({ shuffle: true })).rejects.toThrow('shuffle needs a data_source (or --data FILE)');
  });
});

describe('shuffle', () => {
  it('is a permutation, the same for the same seed and different for another', () => {
    const a = [...shuffledOrder(50, 42)];
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...shuffledOrder(50, 42)]).toEqual(a);
    expect([...shuffledOrder(50, 43)]).not.toEqual(a);
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('reproduces the run order from the seed, and each cycle uses every row once', async () => {
    const input: ConfigInput = { data_source: csvSource, shuffle: true, seed: 7, body: { messages: [{ role: 'user', content: '{{content}}' }] } };
    const order = async () => {
      const { plan } = await planFor(input);
      return Array.from({ length: 10 }, (_, i) => contentOf(plan.buildRequest(i).body));
    };
    const first = await order();
    expect(await order()).toEqual(first);
    expect(first.slice(0, 5).sort()).toEqual([...SEED_CONTENT].sort());
    expect(first.slice(5)).toEqual(first.slice(0, 5));
    expect(first.slice(0, 5)).not.toEqual(SEED_CONTENT);
  });

  it('picks and reports a seed when none is given', async () => {
    const { data } = await planFor({ data_source: csvSource, shuffle: true });
    expect(Number.isInteger(data?.seed)).toBe(true);
  });
});
