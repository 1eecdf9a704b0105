/**
 * The simulated endpoint's wire formats: one SimTimeline (what is generated,
 * when) written as each provider documents its stream. The request path picks
 * the dialect, through the same path table auto-detection uses.
 */
import { protocolForPath } from '../wire/protocols/registry.ts';
import type { SimFrame, SimTimeline, SimToken } from './timeline.ts';

export interface SimDialect {
  contentType: string;
  frames(timeline: SimTimeline): SimFrame[];
  /** The whole answer as one JSON body, in the API's non-streaming shape (`"stream": false`). */
  json(timeline: SimTimeline): object;
}

const SSE = 'text/event-stream; charset=utf-8';
const NDJSON = 'application/x-ndjson';

const data = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const named = (type: string, value: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...value })}\n\n`;
const endOf = (t: SimTimeline) => t.tokens[t.tokens.length - 1]?.atMs ?? 0;
const answerCount = (t: SimTimeline) => t.tokens.filter((token) => !token.reasoning).length;
const reasoningCount = (t: SimTimeline) => t.tokens.length - answerCount(t);
const answerText = (t: SimTimeline) => t.tokens.filter((token) => !token.reasoning).map((token) => token.text).join('');
const reasoningText = (t: SimTimeline) => t.tokens.filter((token) => token.reasoning).map((token) => token.text).join('');

/**
 * OpenAI chat completions: a role-only first chunk sent with the headers (the
 * trap that makes naive tools report TTFT ~0), one delta per token (reasoning
 * in `reasoning_content`, as DeepSeek and vLLM send it), a finish chunk, the
 * usage chunk when asked for, and `[DONE]`.
 */
const openaiChat: SimDialect = {
  contentType: SSE,
  frames(t) {
    const chunk = (delta: object, finish: string | null = null) =>
      data({ id: 'chatcmpl-sim', object: 'chat.completion.chunk', created: 0, model: t.model, choices: [{ index: 0, delta, finish_reason: finish }] });
    const frames: SimFrame[] = [{ atMs: 0, text: chunk({ role: 'assistant', content: '' }) }];
    for (const token of t.tokens) {
      frames.push({ atMs: token.atMs, text: chunk(token.reasoning ? { reasoning_content: token.text } : { content: token.text }) });
    }
    let tail = chunk({}, 'stop');
    if (t.includeUsage) tail += data({ id: 'chatcmpl-sim', object: 'chat.completion.chunk', created: 0, model: t.model, choices: [], usage: openAiUsage(t) });
    frames.push({ atMs: endOf(t), text: tail + 'data: [DONE]\n\n' });
    return frames;
  },
  json: (t) => ({
    id: 'chatcmpl-sim',
    object: 'chat.completion',
    created: 0,
    model: t.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answerText(t), refusal: null, ...(reasoningCount(t) > 0 ? { reasoning_content: reasoningText(t) } : {}) },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: openAiUsage(t),
  }),
};

/** OpenAI completions: `choices[].text` per token (no reasoning channel, so reasoning goes out as text). */
const openaiCompletions: SimDialect = {
  contentType: SSE,
  frames(t) {
    const chunk = (text: string, finish: string | null = null) =>
      data({ id: 'cmpl-sim', object: 'text_completion', created: 0, model: t.model, choices: [{ index: 0, text, logprobs: null, finish_reason: finish }] });
    const frames: SimFrame[] = t.tokens.map((token) => ({ atMs: token.atMs, text: chunk(token.text) }));
    let tail = chunk('', 'stop');
    if (t.includeUsage) tail += data({ id: 'cmpl-sim', object: 'text_completion', created: 0, model: t.model, choices: [], usage: openAiUsage(t) });
    frames.push({ atMs: endOf(t), text: tail + 'data: [DONE]\n\n' });
    return frames;
  },
  json: (t) => ({
    id: 'cmpl-sim',
    object: 'text_completion',
    created: 0,
    model: t.model,
    choices: [{ index: 0, text: t.tokens.map((token) => token.text).join(''), logprobs: null, finish_reason: 'stop' }],
    usage: openAiUsage(t),
  }),
};

function openAiUsage(t: SimTimeline) {
  return {
    prompt_tokens: t.inputTokens,
    completion_tokens: t.tokens.length,
    total_tokens: t.inputTokens + t.tokens.length,
    prompt_tokens_details: { cached_tokens: t.cachedInputTokens },
  };
}

/**
 * OpenAI Responses, as the API documents its stream (and the official SDK's
 * accumulator expects it): response.created / in_progress at once; a
 * reasoning item (output_item.added, reasoning_summary_part.added, one
 * reasoning_summary_text.delta per reasoning token, *.done with the full
 * text); a message item (output_item.added, content_part.added, one
 * output_text.delta per token, output_text.done, content_part.done,
 * output_item.done with the full item); then response.completed carrying the
 * whole response: its output items and usage.
 */
const openaiResponses: SimDialect = {
  contentType: SSE,
  frames(t) {
    let sequence = 0;
    const event = (type: string, value: object) => named(type, { ...value, sequence_number: sequence++ });
    const inProgress = { ...responseObject(t, 'in_progress'), output: [], usage: null };
    const frames: SimFrame[] = [
      { atMs: 0, text: event('response.created', { response: inProgress }) + event('response.in_progress', { response: inProgress }) },
    ];
    const items = responseItems(t);
    let open: 'reasoning' | 'message' | undefined;
    let outputIndex = -1;
    const close = (): string => {
      const item = open === 'reasoning' ? items.reasoning : items.message;
      if (open === 'reasoning') {
        const text = reasoningText(t);
        return (
          event('response.reasoning_summary_text.done', { item_id: REASONING_ID, output_index: outputIndex, summary_index: 0, text }) +
          event('response.reasoning_summary_part.done', { item_id: REASONING_ID, output_index: outputIndex, summary_index: 0, part: { type: 'summary_text', text } }) +
          event('response.output_item.done', { output_index: outputIndex, item })
        );
      }
      if (open === 'message') {
        const text = answerText(t);
        return (
          event('response.output_text.done', { item_id: MESSAGE_ID, output_index: outputIndex, content_index: 0, text, logprobs: [] }) +
          event('response.content_part.done', { item_id: MESSAGE_ID, output_index: outputIndex, content_index: 0, part: { type: 'output_text', text, annotations: [], logprobs: [] } }) +
          event('response.output_item.done', { output_index: outputIndex, item })
        );
      }
      return '';
    };
    for (const token of t.tokens) {
      let text = '';
      const kind = token.reasoning ? 'reasoning' : 'message';
      if (open !== kind) {
        text += close();
        open = kind;
        outputIndex++;
        text += token.reasoning
          ? event('response.output_item.added', { output_index: outputIndex, item: { id: REASONING_ID, type: 'reasoning', summary: [] } }) +
            event('response.reasoning_summary_part.added', { item_id: REASONING_ID, output_index: outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } })
          : event('response.output_item.added', { output_index: outputIndex, item: { id: MESSAGE_ID, type: 'message', status: 'in_progress', role: 'assistant', content: [] } }) +
            event('response.content_part.added', { item_id: MESSAGE_ID, output_index: outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
      }
      text += token.reasoning
        ? event('response.reasoning_summary_text.delta', { item_id: REASONING_ID, output_index: outputIndex, summary_index: 0, delta: token.text })
        : event('response.output_text.delta', { item_id: MESSAGE_ID, output_index: outputIndex, content_index: 0, delta: token.text, logprobs: [] });
      frames.push({ atMs: token.atMs, text });
    }
    frames.push({ atMs: endOf(t), text: close() + event('response.completed', { response: responseObject(t, 'completed') }) });
    return frames;
  },
  json: (t) => responseObject(t, 'completed'),
};

const REASONING_ID = 'rs_sim';
const MESSAGE_ID = 'msg_sim';

function responseItems(t: SimTimeline) {
  return {
    reasoning: { id: REASONING_ID, type: 'reasoning', summary: [{ type: 'summary_text', text: reasoningText(t) }] },
    message: {
      id: MESSAGE_ID,
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: answerText(t), annotations: [], logprobs: [] }],
    },
  };
}

/** The whole response object: what response.completed carries and what a non-streaming request gets. */
function responseObject(t: SimTimeline, status: 'in_progress' | 'completed') {
  const items = responseItems(t);
  return {
    id: 'resp_sim',
    object: 'response',
    created_at: 0,
    status,
    error: null,
    incomplete_details: null,
    instructions: null,
    model: t.model,
    output: reasoningCount(t) > 0 ? [items.reasoning, items.message] : [items.message],
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    text: { format: { type: 'text' } },
    usage: {
      input_tokens: t.inputTokens,
      input_tokens_details: { cached_tokens: t.cachedInputTokens },
      output_tokens: t.tokens.length,
      output_tokens_details: { reasoning_tokens: reasoningCount(t) },
      total_tokens: t.inputTokens + t.tokens.length,
    },
  };
}

/**
 * Anthropic Messages: message_start, the first content_block_start and a ping
 * at once; a thinking block (thinking_delta, then signature_delta) when there
 * is reasoning; a text block of text_delta events; message_delta with the
 * output token count; message_stop.
 */
const anthropicMessages: SimDialect = {
  contentType: SSE,
  frames(t) {
    const blockStart = (index: number, reasoning: boolean) =>
      named('content_block_start', { index, content_block: reasoning ? { type: 'thinking', thinking: '' } : { type: 'text', text: '' } });
    const first = t.tokens[0]?.reasoning ?? false;
    const message = { id: 'msg_sim', type: 'message', role: 'assistant', content: [], model: t.model, stop_reason: null, stop_sequence: null, usage: { input_tokens: t.inputTokens - t.cachedInputTokens, cache_read_input_tokens: t.cachedInputTokens, output_tokens: 1 } };
    const frames: SimFrame[] = [{ atMs: 0, text: named('message_start', { message }) + blockStart(0, first) + named('ping', {}) }];
    let index = 0;
    let inThinking = first;
    for (const token of t.tokens) {
      let text = '';
      if (inThinking && !token.reasoning) {
        text += named('content_block_delta', { index, delta: { type: 'signature_delta', signature: 'c2lt' } });
        text += named('content_block_stop', { index });
        index++;
        text += blockStart(index, false);
        inThinking = false;
      }
      text += named('content_block_delta', {
        index,
        delta: token.reasoning ? { type: 'thinking_delta', thinking: token.text } : { type: 'text_delta', text: token.text },
      });
      frames.push({ atMs: token.atMs, text });
    }
    frames.push({
      atMs: endOf(t),
      text:
        named('content_block_stop', { index }) +
        named('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: t.tokens.length } }) +
        named('message_stop', {}),
    });
    return frames;
  },
  json: (t) => ({
    id: 'msg_sim',
    type: 'message',
    role: 'assistant',
    model: t.model,
    content: [
      ...(reasoningCount(t) > 0 ? [{ type: 'thinking', thinking: reasoningText(t), signature: 'c2lt' }] : []),
      { type: 'text', text: answerText(t) },
    ],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: t.inputTokens - t.cachedInputTokens, cache_read_input_tokens: t.cachedInputTokens, output_tokens: t.tokens.length },
  }),
};

/**
 * Gemini streamGenerateContent?alt=sse: one GenerateContentResponse per
 * token (`thought: true` parts for reasoning); the last one carries
 * finishReason and the full usageMetadata. Nothing is sent before the first token.
 */
const gemini: SimDialect = {
  contentType: SSE,
  frames(t) {
    const thoughts = reasoningCount(t);
    return t.tokens.map((token, i) => {
      const last = i === t.tokens.length - 1;
      const part = token.reasoning ? { text: token.text, thought: true } : { text: token.text };
      const candidate = { content: { parts: [part], role: 'model' }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) };
      const usageMetadata = last
        ? {
            promptTokenCount: t.inputTokens,
            cachedContentTokenCount: t.cachedInputTokens,
            candidatesTokenCount: t.tokens.length - thoughts,
            ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
            totalTokenCount: t.inputTokens + t.tokens.length,
          }
        : { promptTokenCount: t.inputTokens, totalTokenCount: t.inputTokens };
      return { atMs: token.atMs, text: data({ candidates: [candidate], usageMetadata, modelVersion: t.model, responseId: 'sim' }) };
    });
  },
  json(t) {
    const thoughts = reasoningCount(t);
    const parts = [...(thoughts > 0 ? [{ text: reasoningText(t), thought: true }] : []), { text: answerText(t) }];
    return {
      candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0 }],
      usageMetadata: {
        promptTokenCount: t.inputTokens,
        cachedContentTokenCount: t.cachedInputTokens,
        candidatesTokenCount: t.tokens.length - thoughts,
        ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
        totalTokenCount: t.inputTokens + t.tokens.length,
      },
      modelVersion: t.model,
      responseId: 'sim',
    };
  },
};

/** Ollama NDJSON: one line per token, `message` for /api/chat or `response` for /api/generate; a final `done: true` line with counts. */
function ollama(shape: 'chat' | 'generate'): SimDialect {
  const CREATED = '2025-01-01T00:00:00Z';
  const fields = (token: SimToken | undefined) => {
    const key = token?.reasoning ? 'thinking' : shape === 'chat' ? 'content' : 'response';
    return shape === 'chat'
      ? { message: { role: 'assistant', content: '', ...(token ? { [key]: token.text } : {}) } }
      : { response: '', ...(token ? { [key]: token.text } : {}) };
  };
  return {
    contentType: NDJSON,
    frames(t) {
      const line = (value: object) => JSON.stringify({ model: t.model, created_at: CREATED, ...value }) + '\n';
      const frames: SimFrame[] = t.tokens.map((token) => ({ atMs: token.atMs, text: line({ ...fields(token), done: false }) }));
      frames.push({ atMs: endOf(t), text: line({ ...fields(undefined), ...final(t) }) });
      return frames;
    },
    json(t) {
      const thinking = reasoningText(t);
      const whole = shape === 'chat'
        ? { message: { role: 'assistant', content: answerText(t), ...(thinking ? { thinking } : {}) } }
        : { response: answerText(t), ...(thinking ? { thinking } : {}) };
      return { model: t.model, created_at: CREATED, ...whole, ...final(t) };
    },
  };
  function final(t: SimTimeline) {
    const end = endOf(t);
    const ns = (ms: number) => Math.round(ms * 1e6);
    const first = t.tokens[0]?.atMs ?? 0;
    return {
      done: true,
      done_reason: 'stop',
      total_duration: ns(end),
      load_duration: 0,
      prompt_eval_count: t.inputTokens,
      prompt_eval_duration: ns(first),
      eval_count: t.tokens.length,
      eval_duration: ns(end - first),
    };
  }
}

const BY_PROTOCOL: Record<string, SimDialect> = {
  'openai-chat': openaiChat,
  'openai-completions': openaiCompletions,
  'openai-responses': openaiResponses,
  'anthropic-messages': anthropicMessages,
  gemini,
};
const OLLAMA_CHAT = ollama('chat');
const OLLAMA_GENERATE = ollama('generate');

export function dialectForPath(pathname: string): SimDialect | undefined {
  const protocol = protocolForPath(pathname);
  if (!protocol) return undefined;
  if (protocol.name === 'ollama') return pathname.replace(/\/+$/, '').endsWith('/api/generate') ? OLLAMA_GENERATE : OLLAMA_CHAT;
  return BY_PROTOCOL[protocol.name];
}
