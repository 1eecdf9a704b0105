/**
 * The official SDKs against the simulated endpoint: if `openai` and
 * `@anthropic-ai/sdk` read the simulator's streams and JSON answers (their
 * stream helpers included), its dialects are the APIs' real shapes, not our
 * reading of them. Every dialect each SDK speaks, streaming and not.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer, type SimServer } from '../lib/sim/server.ts';
import { SIM_MODEL } from '../lib/sim/simulator.ts';

const ANSWER = 6;
const REASONING = 3;
/** The simulator's words: "Stream", "ing", " is", " measured", " token", " by". */
const TEXT = 'Streaming is measured token by';
const THOUGHT = 'Let me think';

let plain: SimServer;
let thinking: SimServer;
beforeAll(async () => {
  plain = await startSimServer({ ttftMs: 5, itlMs: 1, tokens: ANSWER, jitter: 0 });
  thinking = await startSimServer({ ttftMs: 5, itlMs: 1, tokens: ANSWER, reasoningTokens: REASONING, jitter: 0 });
});
afterAll(async () => {
  await plain.close();
  await thinking.close();
});

const openai = (sim: SimServer) => new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'sk-sim', maxRetries: 0 });
const anthropic = (sim: SimServer) => new Anthropic({ baseURL: sim.url, apiKey: 'sk-ant-sim', maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'hi' }];

describe('openai SDK against the simulator', () => {
  it('chat completions: create, create with stream: true, and the stream helper', async () => {
    const client = openai(plain);
    const whole = await client.chat.completions.create({ model: 'm', messages, max_tokens: 64 });
    expect(whole.choices[0]!.message.content).toBe(TEXT);
    expect(whole.usage?.completion_tokens).toBe(ANSWER);
    expect(whole.usage?.prompt_tokens).toBeGreaterThan(0);

    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(TEXT);
    expect(usage?.completion_tokens).toBe(ANSWER);

    const final = await client.chat.completions.stream({ model: 'm', messages }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe(TEXT);
    expect(final.choices[0]!.finish_reason).toBe('stop');
  });

  it('completions: create and create with stream: true', async () => {
    const client = openai(plain);
    const whole = await client.completions.create({ model: 'm', prompt: 'hi', max_tokens: 64 });
    expect(whole.choices[0]!.text).toBe(TEXT);
    expect(whole.usage?.completion_tokens).toBe(ANSWER);
    let text = '';
    for await (const chunk of await client.completions.create({ model: 'm', prompt: 'hi', stream: true })) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(TEXT);
  });

  it('responses: create, create with stream: true, and stream().finalResponse(), with reasoning', async () => {
    const client = openai(thinking);
    const whole = await client.responses.create({ model: 'm', input: 'hi' });
    expect(whole.output_text).toBe(TEXT);
    expect(whole.usage).toMatchObject({ output_tokens: ANSWER + REASONING, output_tokens_details: { reasoning_tokens: REASONING } });

    const types = new Set<string>();
    let text = '';
    for await (const event of await client.responses.create({ model: 'm', input: 'hi', stream: true })) {
      types.add(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe(TEXT);
    expect(types).toContain('response.reasoning_summary_text.delta');

    const final = await client.responses.stream({ model: 'm', input: 'hi' }).finalResponse();
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe(TEXT);
    const reasoning = final.output.find((item) => item.type === 'reasoning');
    expect(reasoning?.type === 'reasoning' && reasoning.summary[0]?.text).toBe(THOUGHT);
  });

  it('models.list()', async () => {
    const ids: string[] = [];
    for await (const model of openai(plain).models.list()) ids.push(model.id);
    expect(ids).toEqual([SIM_MODEL]);
  });
});

describe('@anthropic-ai/sdk against the simulator', () => {
  it('messages: create, create with stream: true, and stream().finalMessage()', async () => {
    const client = anthropic(plain);
    const whole = await client.messages.create({ model: 'm', max_tokens: 64, messages });
    expect(whole.content).toEqual([{ type: 'text', text: TEXT }]);
    expect(whole.usage.output_tokens).toBe(ANSWER);
    expect(whole.usage.input_tokens).toBeGreaterThan(0);

    let text = '';
    for await (const event of await client.messages.create({ model: 'm', max_tokens: 64, messages, stream: true })) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
    }
    expect(text).toBe(TEXT);

    const final = await client.messages.stream({ model: 'm', max_tokens: 64, messages }).finalMessage();
    expect(final.content.map((block) => (block.type === 'text' ? block.text : block.type))).toEqual([TEXT]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(ANSWER);
  });

  it('extended thinking: the thinking block, streamed and whole', async () => {
    const client = anthropic(thinking);
    const whole = await client.messages.create({ model: 'm', max_tokens: 64, messages });
    expect(whole.content.map((block) => block.type)).toEqual(['thinking', 'text']);
    const final = await client.messages.stream({ model: 'm', max_tokens: 64, messages }).finalMessage();
    const [thought, answer] = final.content;
    expect(thought?.type === 'thinking' && thought.thinking).toBe(THOUGHT);
    expect(answer?.type === 'text' && answer.text).toBe(TEXT);
  });

  it('models.list()', async () => {
    const ids: string[] = [];
    for await (const model of anthropic(plain).models.list()) ids.push(model.id);
    expect(ids).toEqual([SIM_MODEL]);
  });
});
