/**
 * Protocol adapters against hand-written transcripts modelled on each
 * provider's documented stream format, cut into two pieces at every byte
 * (multi-byte characters included), all at once, and byte by byte: the
 * outcome must not depend on where the network split the body.
 */
import { describe, expect, it } from 'vitest';
import { createFramer } from '../lib/wire/framing.ts';
import { anthropicMessages } from '../lib/wire/protocols/anthropic-messages.ts';
import { gemini } from '../lib/wire/protocols/gemini.ts';
import { ollama } from '../lib/wire/protocols/ollama.ts';
import { openaiChat } from '../lib/wire/protocols/openai-chat.ts';
import { openaiCompletions } from '../lib/wire/protocols/openai-completions.ts';
import { openaiResponses } from '../lib/wire/protocols/openai-responses.ts';
import type { Protocol, StreamSink } from '../lib/wire/protocols/protocol.ts';
import { raw } from '../lib/wire/protocols/raw.ts';
import type { Usage } from '../lib/record/record.ts';

interface Outcome {
  /** One letter per token event: R reasoning, A answer. */
  events: string;
  text: string;
  usage: Usage;
  ended: boolean;
  failure?: { message: string; code?: string };
}

class StreamFailed extends Error {}

function run(protocol: Protocol, pieces: Uint8Array[]): Outcome {
  const outcome: Outcome = { events: '', text: '', usage: {}, ended: false };
  const sink: StreamSink = {
    token: (reasoning) => void (outcome.events += reasoning ? 'R' : 'A'),
    text: (text) => void (outcome.text += text),
    usage: (usage) => {
      if (usage.inputTokens !== undefined) outcome.usage.inputTokens = usage.inputTokens;
      if (usage.outputTokens !== undefined) outcome.usage.outputTokens = usage.outputTokens;
    },
    end: () => void (outcome.ended = true),
    fail: (message, code) => {
      outcome.failure = code === undefined ? { message } : { message, code };
      throw new StreamFailed(message);
    },
  };
  const framer = createFramer(protocol, sink);
  const decoder = new TextDecoder();
  try {
    for (const piece of pieces) {
      const text = decoder.decode(piece, { stream: true });
      if (text) framer.feed(text);
    }
    const rest = decoder.decode();
    if (rest) framer.feed(rest);
    framer.end();
  } catch (error) {
    if (!(error instanceof StreamFailed)) throw error;
  }
  return outcome;
}

/** Feeds the transcript whole, byte by byte, and cut in two at every byte; every way must give `expected`. */
function expectAllSplits(protocol: Protocol, transcript: string, expected: Outcome): void {
  const bytes = new TextEncoder().encode(transcript);
  expect(run(protocol, [bytes])).toEqual(expected);
  expect(run(protocol, Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)))).toEqual(expected);
  for (let cut = 1; cut < bytes.length; cut++) {
    const outcome = run(protocol, [bytes.subarray(0, cut), bytes.subarray(cut)]);
    if (JSON.stringify(outcome) !== JSON.stringify(expected)) {
      expect(outcome, `cut at byte ${cut} of ${bytes.length}`).toEqual(expected);
    }
  }
}

const sse = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const named = (event: string, value: unknown) => `event: ${event}\ndata: ${JSON.stringify(value)}\n\n`;

describe('openai-chat', () => {
  const chunk = (delta: object, finish: string | null = null) => ({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'deepseek-reasoner',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  // Role-only first chunk; DeepSeek's reasoning_content, then vLLM's reasoning; content; a tool call.
  const transcript =
    sse(chunk({ role: 'assistant', content: '' })) +
    sse(chunk({ reasoning_content: '嗯，' })) +
    sse(chunk({ reasoning: '让我想想' })) +
    sse(chunk({ content: '你好' })) +
    sse(chunk({ content: '!' })) +
    sse(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] })) +
    sse(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] })) +
    sse(chunk({}, 'tool_calls')) +
    sse({ id: 'chatcmpl-1', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 } }) +
    'data: [DONE]\n\n';

  it('counts reasoning, content and tool-argument deltas; skips the role-only and finish chunks', () => {
    expectAllSplits(openaiChat, transcript, {
      events: 'RRAAA',
      text: '嗯，让我想想你好!{"city":',
      usage: { inputTokens: 9, outputTokens: 12 },
      ended: true,
    });
  });

  it('flags a stream without [DONE] as not ended', () => {
    expectAllSplits(openaiChat, sse(chunk({ content: 'cut' })), { events: 'A', text: 'cut', usage: {}, ended: false });
  });

  it('turns an error object into a failure with the provider message and type', () => {
    const error = { object: 'error', message: 'The model is overloaded', type: 'ServiceUnavailableError', param: null, code: 503 };
    expectAllSplits(openaiChat, sse(chunk({ content: 'a' })) + sse({ error }), {
      events: 'A',
      text: 'a',
      usage: {},
      ended: false,
      failure: { message: 'The model is overloaded', code: 'ServiceUnavailableError' },
    });
  });

  it('counts one event for a message carrying both reasoning and answer text, as an answer', () => {
    expect(run(openaiChat, [new TextEncoder().encode(sse(chunk({ reasoning_content: 'r', content: 'a' })))]).events).toBe('A');
  });

  it('adds include_usage to streaming bodies unless turned off or set', () => {
    expect(openaiChat.prepareBody!({ stream: true }, { includeUsage: true })).toEqual({ stream: true, stream_options: { include_usage: true } });
    expect(openaiChat.prepareBody!({ stream: true }, { includeUsage: false })).toEqual({ stream: true });
    expect(openaiChat.prepareBody!({ stream: false }, { includeUsage: true })).toEqual({ stream: false });
    const explicit = { stream: true, stream_options: { include_usage: false } };
    expect(openaiChat.prepareBody!(explicit, { includeUsage: true })).toBe(explicit);
    // A body that is not a JSON object is left as it is.
    for (const body of [null, undefined, 'stream', 7, [{ stream: true }]]) expect(openaiChat.prepareBody!(body, { includeUsage: true })).toBe(body);
    // Other stream_options are kept.
    expect(openaiChat.prepareBody!({ stream: true, stream_options: { continuous_usage_stats: true } }, { includeUsage: true })).toEqual({
      stream: true,
      stream_options: { continuous_usage_stats: true, include_usage: true },
    });
  });
});

describe('openai-completions', () => {
  const chunk = (text: string, finish: string | null = null) => ({
    id: 'cmpl-1',
    object: 'text_completion',
    created: 1,
    model: 'meta-llama/Llama-3.1-8B',
    choices: [{ index: 0, text, logprobs: null, finish_reason: finish, stop_reason: null }],
    usage: null,
  });
  it('counts choices[].text deltas and reads the usage chunk', () => {
    const transcript =
      sse(chunk(' The')) +
      sse(chunk(' sky')) +
      sse(chunk('', 'length')) +
      sse({ id: 'cmpl-1', object: 'text_completion', choices: [], usage: { prompt_tokens: 5, total_tokens: 8, completion_tokens: 3 } }) +
      'data: [DONE]\n\n';
    expectAllSplits(openaiCompletions, transcript, { events: 'AA', text: ' The sky', usage: { inputTokens: 5, outputTokens: 3 }, ended: true });
  });
});

describe('openai-completions errors', () => {
  it('turns an error object into a failure, and a chunk without choices into nothing', () => {
    const transcript = sse({ choices: [{ text: 'a' }] }) + sse({ object: 'text_completion' }) + sse({ error: { message: 'boom', type: 'server_error' } });
    expectAllSplits(openaiCompletions, transcript, { events: 'A', text: 'a', usage: {}, ended: false, failure: { message: 'boom', code: 'server_error' } });
    expect(openaiCompletions.prepareBody!({ stream: true }, { includeUsage: true })).toEqual({ stream: true, stream_options: { include_usage: true } });
  });
});

describe('each adapter', () => {
  const PROMPT = 'Write a short essay about artificial intelligence.';
  it.each([
    [openaiChat, 'openai-chat', 'sse', '[DONE]', { messages: [{ role: 'user', content: PROMPT }], stream: true, max_tokens: 256 }],
    [openaiCompletions, 'openai-completions', 'sse', '[DONE]', { prompt: PROMPT, stream: true, max_tokens: 256 }],
    [openaiResponses, 'openai-responses', 'sse', 'response.completed', { input: PROMPT, stream: true, max_output_tokens: 256 }],
    [anthropicMessages, 'anthropic-messages', 'sse', 'message_stop', { messages: [{ role: 'user', content: PROMPT }], stream: true, max_tokens: 256 }],
    [gemini, 'gemini', 'sse', 'finishReason', { contents: [{ role: 'user', parts: [{ text: PROMPT }] }], generationConfig: { maxOutputTokens: 256 } }],
    [ollama, 'ollama', 'ndjson', '"done": true', { messages: [{ role: 'user', content: PROMPT }], stream: true, options: { num_predict: 256 } }],
  ] as Array<[Protocol, string, string, string, unknown]>)('%#: names itself, its framing and end marker, and a default streaming body', (protocol, name, framing, endMarker, body) => {
    expect([protocol.name, protocol.framing, protocol.endMarker]).toEqual([name, framing, endMarker]);
    expect(protocol.defaultBody!(new URL('http://127.0.0.1/v1beta/models/m:streamGenerateContent?alt=sse'))).toEqual(body);
  });

  it('raw has no default body and ends at the end of the body', () => {
    expect([raw.name, raw.framing, raw.endMarker, raw.defaultBody]).toEqual(['raw', 'raw', 'end of body', undefined]);
  });
});

describe('openai-responses', () => {
  let sequence = 0;
  const event = (type: string, value: object) => named(type, { type, sequence_number: sequence++, ...value });
  const response = (status: string, usage: object | null = null) => ({ id: 'resp_1', object: 'response', status, output: [], usage });
  const transcript =
    event('response.created', { response: response('in_progress') }) +
    event('response.in_progress', { response: response('in_progress') }) +
    event('response.output_item.added', { output_index: 0, item: { id: 'rs_1', type: 'reasoning', summary: [] } }) +
    event('response.reasoning_summary_part.added', { item_id: 'rs_1', output_index: 0, summary_index: 0, part: { type: 'summary_text', text: '' } }) +
    event('response.reasoning_summary_text.delta', { item_id: 'rs_1', output_index: 0, summary_index: 0, delta: '**Thinking**' }) +
    event('response.reasoning_summary_text.done', { item_id: 'rs_1', output_index: 0, summary_index: 0, text: '**Thinking**' }) +
    event('response.output_item.done', { output_index: 0, item: { id: 'rs_1', type: 'reasoning' } }) +
    event('response.output_item.added', { output_index: 1, item: { id: 'msg_1', type: 'message', role: 'assistant', content: [] } }) +
    event('response.content_part.added', { item_id: 'msg_1', output_index: 1, content_index: 0, part: { type: 'output_text', text: '' } }) +
    event('response.output_text.delta', { item_id: 'msg_1', output_index: 1, content_index: 0, delta: 'Hi' }) +
    event('response.output_text.delta', { item_id: 'msg_1', output_index: 1, content_index: 0, delta: ' there' }) +
    event('response.output_text.done', { item_id: 'msg_1', output_index: 1, content_index: 0, text: 'Hi there' }) +
    event('response.completed', {
      response: response('completed', {
        input_tokens: 10,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 20,
        output_tokens_details: { reasoning_tokens: 16 },
        total_tokens: 30,
      }),
    });
  const expected: Outcome = { events: 'RAA', text: '**Thinking**Hi there', usage: { inputTokens: 10, outputTokens: 20 }, ended: true };

  it('counts reasoning and output text deltas; usage and the end come with response.completed', () => {
    expectAllSplits(openaiResponses, transcript, expected);
  });

  it('reads the type from the data when a server omits the event: lines', () => {
    expectAllSplits(openaiResponses, transcript.replace(/^event: .*\n/gm, ''), expected);
  });

  it('turns an error event and response.failed into failures', () => {
    const error = named('error', { type: 'error', code: 'server_error', message: 'The server had an error', param: null });
    expect(run(openaiResponses, [new TextEncoder().encode(error)]).failure).toEqual({ message: 'The server had an error', code: 'server_error' });
    const failed = named('response.failed', {
      type: 'response.failed',
      response: { id: 'resp_1', status: 'failed', error: { code: 'rate_limit_exceeded', message: 'Slow down' } },
    });
    expect(run(openaiResponses, [new TextEncoder().encode(failed)]).failure).toEqual({ message: 'Slow down', code: 'rate_limit_exceeded' });
    const bare = named('response.failed', { type: 'response.failed' });
    expect(run(openaiResponses, [new TextEncoder().encode(bare)]).failure).toEqual({ message: 'response.failed' });
  });

  const bytes = (text: string) => [new TextEncoder().encode(text)];
  it.each([
    ['response.output_text.delta', 'A'],
    ['response.refusal.delta', 'A'],
    ['response.function_call_arguments.delta', 'A'],
    ['response.custom_tool_call_input.delta', 'A'],
    ['response.mcp_call_arguments.delta', 'A'],
    ['response.code_interpreter_call_code.delta', 'A'],
    ['response.audio.transcript.delta', 'A'],
    ['response.reasoning_text.delta', 'R'],
    ['response.reasoning_summary_text.delta', 'R'],
    ['response.reasoning.delta', 'R'],
    ['response.reasoning_summary.delta', 'R'],
  ])('%s is a token event of kind %s, named in the event: line or only in the data', (type, kind) => {
    const delta = { type, delta: 'x' };
    expect(run(openaiResponses, bytes(named(type, delta)))).toEqual({ events: kind, text: 'x', usage: {}, ended: false });
    expect(run(openaiResponses, bytes(sse(delta))).events).toBe(kind);
    expect(run(openaiResponses, bytes(named('message', delta))).events).toBe(kind);
    // An empty or non-text delta is no token.
    expect(run(openaiResponses, bytes(named(type, { type, delta: '' }) + named(type, { type, delta: 7 }) + named(type, { type })))).toEqual({
      events: '',
      text: '',
      usage: {},
      ended: false,
    });
  });

  it('ends at response.incomplete as at response.completed, with or without usage', () => {
    const incomplete = named('response.incomplete', { type: 'response.incomplete', response: { status: 'incomplete', usage: { output_tokens: 4 } } });
    expect(run(openaiResponses, bytes(incomplete))).toEqual({ events: '', text: '', usage: { outputTokens: 4 }, ended: true });
    const bare = named('response.completed', { type: 'response.completed' }) + named('response.completed', { type: 'response.completed', response: { usage: null } });
    expect(run(openaiResponses, bytes(bare))).toEqual({ events: '', text: '', usage: {}, ended: true });
  });

  it('does not parse the events it does not measure (their data may be anything)', () => {
    const skipped = 'event: response.output_item.added\ndata: {not json\n\n' + named('response.output_text.delta', { type: 'response.output_text.delta', delta: 'x' });
    expect(run(openaiResponses, bytes(skipped))).toEqual({ events: 'A', text: 'x', usage: {}, ended: false });
    // An unnamed event is parsed: its type is in the data.
    expect(() => run(openaiResponses, bytes('data: {not json\n\n'))).toThrow(/malformed JSON/);
    // Parsed, of no type we measure: nothing.
    expect(run(openaiResponses, bytes(sse({ delta: 'x' })))).toEqual({ events: '', text: '', usage: {}, ended: false });
  });
});

describe('anthropic-messages', () => {
  const start = named('message_start', {
    type: 'message_start',
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      content: [],
      model: 'claude-sonnet-4-5',
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 5, output_tokens: 1 },
    },
  });
  const delta = (index: number, d: object) => named('content_block_delta', { type: 'content_block_delta', index, delta: d });
  // CRLF line ends, a ping before the first text, a thinking block with its signature, text, a tool call.
  const transcript = (
    start +
    named('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }) +
    'event: ping\ndata: {"type": "ping"}\n\n' +
    delta(0, { type: 'thinking_delta', thinking: 'Let me' }) +
    delta(0, { type: 'signature_delta', signature: 'EqQBCgIYAhIM' }) +
    named('content_block_stop', { type: 'content_block_stop', index: 0 }) +
    named('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } }) +
    delta(1, { type: 'text_delta', text: 'Hello' }) +
    delta(1, { type: 'text_delta', text: ' 世界' }) +
    named('content_block_stop', { type: 'content_block_stop', index: 1 }) +
    named('content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } }) +
    delta(2, { type: 'input_json_delta', partial_json: '' }) +
    delta(2, { type: 'input_json_delta', partial_json: '{"city": "Paris"}' }) +
    named('content_block_stop', { type: 'content_block_stop', index: 2 }) +
    named('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 15 } }) +
    named('message_stop', { type: 'message_stop' })
  ).replace(/\n/g, '\r\n');

  it('counts thinking, text and tool-input deltas, never ping or signature; reads cumulative usage', () => {
    expectAllSplits(anthropicMessages, transcript, {
      events: 'RAAA',
      text: 'Let meHello 世界{"city": "Paris"}',
      // Input includes cached prompt tokens; output comes from message_delta, not message_start's placeholder 1.
      usage: { inputTokens: 30, outputTokens: 15 },
      ended: true,
    });
  });

  it('turns an overloaded_error event into a failure carrying the provider message', () => {
    const errored =
      start +
      named('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
      delta(0, { type: 'text_delta', text: 'Hi' }) +
      'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n';
    expectAllSplits(anthropicMessages, errored, {
      events: 'A',
      text: 'Hi',
      usage: { inputTokens: 30 },
      ended: false,
      failure: { message: 'Overloaded', code: 'overloaded_error' },
    });
  });

  const outcome = (text: string) => run(anthropicMessages, [new TextEncoder().encode(text)]);
  it('reads the type from the data when a server omits the event: lines', () => {
    expect(outcome(transcript.replace(/^event: .*\r\n/gm, ''))).toEqual({ events: 'RAAA', text: 'Let meHello 世界{"city": "Paris"}', usage: { inputTokens: 30, outputTokens: 15 }, ended: true });
    expect(outcome(sse({ type: 'error', error: { type: 'api_error', message: 'Internal' } })).failure).toEqual({ message: 'Internal', code: 'api_error' });
  });

  it('does not parse ping, content_block_stop or message_stop (their data may be anything)', () => {
    expect(outcome('event: ping\ndata: {\n\nevent: content_block_stop\ndata: {\n\nevent: message_stop\ndata: {\n\n')).toEqual({ events: '', text: '', usage: {}, ended: true });
  });

  it('counts a block that opens with its text (thinking or text), and nothing for an empty or absent block or delta', () => {
    const blockStart = (block: object | null) => named('content_block_start', { type: 'content_block_start', index: 0, content_block: block });
    expect(outcome(blockStart({ type: 'thinking', thinking: 'hm' }) + blockStart({ type: 'text', text: 'hi' }))).toEqual({ events: 'RA', text: 'hmhi', usage: {}, ended: false });
    expect(outcome(blockStart(null) + blockStart({ type: 'text', text: '' }) + blockStart({ type: 'thinking', text: 'not thinking text' })).events).toBe('');
    expect(outcome(named('content_block_delta', { type: 'content_block_delta', index: 0, delta: null })).events).toBe('');
  });

  it('an error event without an error object fails with the event itself', () => {
    expect(outcome(named('error', { type: 'error', message: 'plain' })).failure).toEqual({ message: 'plain', code: 'error' });
  });

  it('sums cached input tokens when given, and reads no output from message_start', () => {
    const usage = (u: object | null) => named('message_start', { type: 'message_start', message: { usage: u } });
    expect(outcome(usage({ input_tokens: 10, output_tokens: 1 })).usage).toEqual({ inputTokens: 10 });
    expect(outcome(usage({ input_tokens: 10, cache_creation_input_tokens: 4 })).usage).toEqual({ inputTokens: 14 });
    expect(outcome(usage({ output_tokens: 1 })).usage).toEqual({});
    expect(outcome(usage(null) + named('message_start', { type: 'message_start' })).usage).toEqual({});
    expect(outcome(named('message_delta', { type: 'message_delta', usage: { output_tokens: 7 } })).usage).toEqual({ outputTokens: 7 });
  });
});

describe('gemini', () => {
  const chunk = (parts: object[], usage: object, finishReason?: string) => ({
    candidates: [{ content: { parts, role: 'model' }, ...(finishReason ? { finishReason } : {}), index: 0 }],
    usageMetadata: usage,
    modelVersion: 'gemini-2.5-flash',
    responseId: 'abc',
  });
  // Gemini separates events with CRLF.
  const transcript = (
    sse(chunk([{ text: '**Planning**', thought: true }], { promptTokenCount: 8, totalTokenCount: 20, thoughtsTokenCount: 12 })) +
    sse(chunk([{ text: 'The sky' }], { promptTokenCount: 8, totalTokenCount: 20, thoughtsTokenCount: 12 })) +
    sse(chunk([{ text: ' is blue.' }], { promptTokenCount: 8, candidatesTokenCount: 5, totalTokenCount: 25, thoughtsTokenCount: 12 }, 'STOP'))
  ).replace(/\n/g, '\r\n');

  it('counts thought and text parts; output usage adds thinking tokens; finishReason ends the stream', () => {
    expectAllSplits(gemini, transcript, { events: 'RAA', text: '**Planning**The sky is blue.', usage: { inputTokens: 8, outputTokens: 17 }, ended: true });
  });

  it('turns an error event into a failure with its status', () => {
    const error = sse({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
    expect(run(gemini, [new TextEncoder().encode(error)]).failure).toEqual({
      message: 'The model is overloaded. Please try again later.',
      code: 'UNAVAILABLE',
    });
  });

  const once = (value: unknown) => run(gemini, [new TextEncoder().encode(sse(value))]);
  it('fails a blocked prompt, naming the reason', () => {
    expect(once({ promptFeedback: { blockReason: 'SAFETY' } }).failure).toEqual({ message: 'prompt blocked: SAFETY', code: 'blocked' });
    expect(once({ promptFeedback: {}, candidates: [{ content: { parts: [{ text: 'ok' }] } }] })).toEqual({ events: 'A', text: 'ok', usage: {}, ended: false });
  });

  it('counts a whole function call as answer output, and a thought-only chunk as reasoning', () => {
    const call = { name: 'f', args: { a: 1 } };
    expect(once({ candidates: [{ content: { parts: [{ functionCall: call }] } }] })).toEqual({ events: 'A', text: JSON.stringify(call), usage: {}, ended: false });
    expect(once({ candidates: [{ content: { parts: [{ text: 't', thought: true }, { text: 'a' }] } }] }).events).toBe('A');
    expect(once({ candidates: [{ content: { parts: [{ text: 't', thought: true }] } }] }).events).toBe('R');
    // Parts without text or a call, a candidate without content, a chunk without candidates: nothing.
    expect(once({ candidates: [{ content: { parts: [{ text: '' }, { thought: true }] } }, { finishReason: null }, {}] })).toEqual({ events: '', text: '', usage: {}, ended: false });
    expect(once({ usageMetadata: { promptTokenCount: 3 } })).toEqual({ events: '', text: '', usage: { inputTokens: 3 }, ended: false });
  });

  it('sums output tokens from whichever of candidates and thoughts it reports', () => {
    expect(once({ usageMetadata: { candidatesTokenCount: 5 } }).usage).toEqual({ outputTokens: 5 });
    expect(once({ usageMetadata: { thoughtsTokenCount: 4 } }).usage).toEqual({ outputTokens: 4 });
    expect(once({ usageMetadata: { candidatesTokenCount: 5, thoughtsTokenCount: 4 } }).usage).toEqual({ outputTokens: 9 });
  });
});

describe('ollama', () => {
  const line = (value: object) => JSON.stringify({ model: 'qwen3', created_at: '2025-05-01T00:00:00.000Z', ...value }) + '\n';
  it('reads /api/chat lines: thinking, content, and the done line with counts', () => {
    const transcript =
      line({ message: { role: 'assistant', content: '', thinking: 'Hmm' }, done: false }) +
      line({ message: { role: 'assistant', content: 'Hello' }, done: false }) +
      line({ message: { role: 'assistant', content: ' 世界' }, done: false }) +
      line({
        message: { role: 'assistant', content: '' },
        done: true,
        done_reason: 'stop',
        total_duration: 4883583458,
        load_duration: 1334875,
        prompt_eval_count: 26,
        prompt_eval_duration: 342546000,
        eval_count: 282,
        eval_duration: 4535599000,
      });
    expectAllSplits(ollama, transcript, { events: 'RAA', text: 'HmmHello 世界', usage: { inputTokens: 26, outputTokens: 282 }, ended: true });
  });

  it('reads /api/generate lines, including a last line without its newline', () => {
    const transcript =
      line({ response: 'The', done: false }) +
      line({ response: ' sky', done: false }) +
      line({ response: '', done: true, done_reason: 'stop', context: [1, 2, 3], prompt_eval_count: 26, eval_count: 290 }).trimEnd();
    expectAllSplits(ollama, transcript, { events: 'AA', text: 'The sky', usage: { inputTokens: 26, outputTokens: 290 }, ended: true });
  });

  it('turns an error line into a failure', () => {
    expectAllSplits(ollama, line({ response: 'a', done: false }) + '{"error":"unexpected EOF"}\n', {
      events: 'A',
      text: 'a',
      usage: {},
      ended: false,
      failure: { message: 'unexpected EOF' },
    });
  });

  const once = (value: object) => run(ollama, [new TextEncoder().encode(line(value))]);
  it('counts whole tool calls as answer output; thinking alone is reasoning; a generate line reads its own thinking', () => {
    const calls = [{ function: { name: 'f', arguments: { a: 1 } } }];
    expect(once({ message: { role: 'assistant', content: '', tool_calls: calls }, done: false })).toEqual({ events: 'A', text: JSON.stringify(calls), usage: {}, ended: false });
    expect(once({ message: { role: 'assistant', content: '', tool_calls: [] }, done: false }).events).toBe('');
    expect(once({ thinking: 'hm', response: '', done: false })).toEqual({ events: 'R', text: 'hm', usage: {}, ended: false });
    // A chat line reads only message.*: a stray top-level response is not its text.
    expect(once({ message: { role: 'assistant', content: '' }, response: 'stray', thinking: 'stray', done: false }).events).toBe('');
    // Only done: true ends the stream.
    expect(once({ response: 'x', done: 'yes' }).ended).toBe(false);
  });

  it('asks /api/generate for a prompt and /api/chat for messages', () => {
    const prompt = 'Write a short essay about artificial intelligence.';
    expect(ollama.defaultBody!(new URL('http://127.0.0.1:11434/api/generate'))).toEqual({ prompt, stream: true, options: { num_predict: 256 } });
    expect(ollama.defaultBody!(new URL('http://127.0.0.1:11434/api/chat'))).toEqual({
      messages: [{ role: 'user', content: prompt }],
      stream: true,
      options: { num_predict: 256 },
    });
  });
});

describe('raw', () => {
  it('counts each non-empty chunk as one token and ends at the end of the body', () => {
    const encoder = new TextEncoder();
    const outcome = run(raw, [encoder.encode('hello '), encoder.encode('world')]);
    expect(outcome).toEqual({ events: 'AA', text: 'hello world', usage: {}, ended: true });
  });

  it('counts an empty chunk as nothing', () => {
    const tokens: boolean[] = [];
    const sink: StreamSink = { token: (r) => tokens.push(r), text: () => {}, usage: () => {}, end: () => {}, fail: () => {} };
    raw.onMessage('', undefined, sink);
    raw.onMessage('x', undefined, sink);
    expect(tokens).toEqual([false]);
  });
});
