/**
 * OpenAI Responses API streaming: typed events (`event: response.output_text.delta`
 * with `data: {"type": ..., "delta": ...}`). Text arrives in `*.delta` events,
 * reasoning in `response.reasoning_text.delta` / `response.reasoning_summary_text.delta`;
 * usage comes in the terminal `response.completed` (or `response.incomplete`).
 * There is no `[DONE]`: the terminal event is the end marker. Errors are an
 * `error` event or `response.failed`.
 */
import { failWithProviderError, isText, parseJsonMessage, type Protocol, type StreamSink } from './protocol.ts';

interface CompleteResponse {
  status?: string;
  error?: unknown;
  output?: Array<{
    type?: string;
    content?: Array<{ type?: string; text?: string; refusal?: string }> | null;
    summary?: Array<{ text?: string }> | null;
    arguments?: string;
  }> | null;
  usage?: { input_tokens?: number | null; output_tokens?: number | null } | null;
}

interface ResponsesEvent {
  type?: string;
  delta?: unknown;
  response?: {
    usage?: {
      input_tokens?: number | null;
      output_tokens?: number | null;
      input_tokens_details?: { cached_tokens?: number | null } | null;
    } | null;
    error?: unknown;
  } | null;
  message?: unknown;
  code?: unknown;
  error?: unknown;
}

/** Deltas that carry answer text (or tool-call arguments, which are generated tokens too). */
const ANSWER_DELTAS = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.function_call_arguments.delta',
  'response.custom_tool_call_input.delta',
  'response.mcp_call_arguments.delta',
  'response.code_interpreter_call_code.delta',
  'response.audio.transcript.delta',
]);
const REASONING_DELTAS = new Set([
  'response.reasoning_text.delta',
  'response.reasoning_summary_text.delta',
  'response.reasoning.delta',
  'response.reasoning_summary.delta',
]);
const TERMINAL = new Set(['response.completed', 'response.incomplete']);
const FAILED = new Set(['error', 'response.failed']);

/** Only these events are parsed; the rest (created, in_progress, *.added, *.done) carry nothing we measure. */
function isMeasured(type: string): boolean {
  return ANSWER_DELTAS.has(type) || REASONING_DELTAS.has(type) || TERMINAL.has(type) || FAILED.has(type);
}

export const openaiResponses: Protocol = {
  name: 'openai-responses',
  framing: 'sse',
  endMarker: 'response.completed',
  onMessage(data: string, event: string | undefined, sink: StreamSink) {
    // OpenAI names every event in the SSE `event:` field too, which lets us skip parsing the rest.
    if (event !== undefined && event !== 'message' && !isMeasured(event)) return;
    const message = parseJsonMessage(data) as ResponsesEvent;
    const type = message.type ?? event ?? '';
    if (ANSWER_DELTAS.has(type) || REASONING_DELTAS.has(type)) {
      const delta = message.delta;
      if (typeof delta === 'string' && delta.length > 0) {
        sink.text(delta, REASONING_DELTAS.has(type) ? 'reasoning' : type === 'response.output_text.delta' || type === 'response.refusal.delta' ? 'answer' : 'tool');
        sink.token(REASONING_DELTAS.has(type));
      }
    } else if (TERMINAL.has(type)) {
      const usage = message.response?.usage;
      if (usage) {
        sink.usage({
          inputTokens: usage.input_tokens ?? undefined,
          outputTokens: usage.output_tokens ?? undefined,
          cachedInputTokens: usage.input_tokens_details?.cached_tokens ?? undefined,
        });
      }
      sink.end();
    } else if (type === 'response.failed') {
      failWithProviderError(message.response?.error ?? 'response.failed', sink);
    } else if (type === 'error') {
      failWithProviderError(message.error ?? { message: message.message, code: message.code }, sink);
    }
  },
  /** A whole `response` object: its output items' text, its usage, or its error. */
  parseComplete(data: string, sink: StreamSink) {
    const response = parseJsonMessage(data) as CompleteResponse;
    if (response.error) return failWithProviderError(response.error, sink);
    if (response.status === 'failed') return failWithProviderError('response.failed', sink);
    let answer = false;
    let reasoning = false;
    for (const item of response.output ?? []) {
      if (item.type === 'reasoning') {
        for (const part of [...(item.summary ?? []), ...(item.content ?? [])]) {
          if (isText(part.text)) {
            reasoning = true;
            sink.text(part.text, 'reasoning');
          }
        }
      } else if (item.type === 'message') {
        for (const part of item.content ?? []) {
          const text = part.text ?? part.refusal;
          if (isText(text)) {
            answer = true;
            sink.text(text, 'answer');
          }
        }
      } else if (isText(item.arguments)) {
        answer = true;
        sink.text(item.arguments, 'tool');
      }
    }
    if (answer || reasoning) sink.token(!answer);
    const usage = response.usage;
    if (usage) sink.usage({ inputTokens: usage.input_tokens ?? undefined, outputTokens: usage.output_tokens ?? undefined });
  },
  setOutputLimit: (body, tokens) => ({ ...body, max_output_tokens: tokens }),
  setPrompt: (body, prompt) => ({ ...body, input: prompt }),
  defaultBody: () => ({ input: 'Write a short essay about artificial intelligence.', stream: true, max_output_tokens: 256 }),
};
