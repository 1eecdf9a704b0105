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
}

const SSE = 'text/event-stream; charset=utf-8';
const NDJSON = 'application/x-ndjson';

const data = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;
const named = (type: string, value: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...value })}\n\n`;
const endOf = (t: SimTimeline) => t.tokens[t.tokens.length - 1]?.atMs ?? 0;
const answerCount = (t: SimTimeline) => t.tokens.filter((token) => !token.reasoning).length;
const reasoningCount = (t: SimTimeline) => t.tokens.length - answerCount(t);

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
 * OpenAI Responses: response.created / in_progress at once, a reasoning item
 * with `response.reasoning_summary_text.delta` events, a message item with
 * `response.output_text.delta` events, the *.done events and
 * `response.completed` carrying usage.
 */
const openaiResponses: SimDialect = {
  contentType: SSE,
  frames(t) {
    let sequence = 0;
    const event = (type: string, value: object) => named(type, { ...value, sequence_number: sequence++ });
    const response = (status: string, extra: object = {}) => ({ id: 'resp_sim', object: 'response', created_at: 0, status, model: t.model, output: [], ...extra });
    const frames: SimFrame[] = [
      { atMs: 0, text: event('response.created', { response: response('in_progress') }) + event('response.in_progress', { response: response('in_progress') }) },
    ];
    let open: 'reasoning' | 'message' | undefined;
    let outputIndex = -1;
    const close = (): string => {
      if (open === 'reasoning') return event('response.output_item.done', { output_index: outputIndex, item: { id: 'rs_sim', type: 'reasoning' } });
      if (open === 'message') {
        return (
          event('response.output_text.done', { item_id: 'msg_sim', output_index: outputIndex, content_index: 0 }) +
          event('response.output_item.done', { output_index: outputIndex, item: { id: 'msg_sim', type: 'message', role: 'assistant' } })
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
          ? event('response.output_item.added', { output_index: outputIndex, item: { id: 'rs_sim', type: 'reasoning', summary: [] } })
          : event('response.output_item.added', { output_index: outputIndex, item: { id: 'msg_sim', type: 'message', role: 'assistant', content: [] } }) +
            event('response.content_part.added', { item_id: 'msg_sim', output_index: outputIndex, content_index: 0, part: { type: 'output_text', text: '' } });
      }
      text += token.reasoning
        ? event('response.reasoning_summary_text.delta', { item_id: 'rs_sim', output_index: outputIndex, summary_index: 0, delta: token.text })
        : event('response.output_text.delta', { item_id: 'msg_sim', output_index: outputIndex, content_index: 0, delta: token.text });
      frames.push({ atMs: token.atMs, text });
    }
    const usage = {
      input_tokens: t.inputTokens,
      input_tokens_details: { cached_tokens: t.cachedInputTokens },
      output_tokens: t.tokens.length,
      output_tokens_details: { reasoning_tokens: reasoningCount(t) },
      total_tokens: t.inputTokens + t.tokens.length,
    };
    frames.push({ atMs: endOf(t), text: close() + event('response.completed', { response: response('completed', { usage }) }) });
    return frames;
  },
};

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
      const end = endOf(t);
      const ns = (ms: number) => Math.round(ms * 1e6);
      const first = t.tokens[0]?.atMs ?? 0;
      frames.push({
        atMs: end,
        text: line({
          ...fields(undefined),
          done: true,
          done_reason: 'stop',
          total_duration: ns(end),
          load_duration: 0,
          prompt_eval_count: t.inputTokens,
          prompt_eval_duration: ns(first),
          eval_count: t.tokens.length,
          eval_duration: ns(end - first),
        }),
      });
      return frames;
    },
  };
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
