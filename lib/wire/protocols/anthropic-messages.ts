/**
 * Anthropic Messages streaming: named SSE events. `message_start` (input
 * usage), `content_block_start`, `content_block_delta` (text_delta,
 * thinking_delta = reasoning, input_json_delta = tool arguments; signature_delta
 * is not generated text), `content_block_stop`, `message_delta` (cumulative
 * usage.output_tokens), `message_stop` (the end marker), `ping` (a keep-alive,
 * never a token) and `error` (e.g. overloaded_error mid-stream).
 */
import { failWithProviderError, isText, messagesText, parseJsonMessage, type Protocol, type StreamSink, type TextKind } from './protocol.ts';

interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

interface AnthropicEvent {
  type?: string;
  message?: { usage?: AnthropicUsage | null } | null;
  content_block?: { type?: string; text?: string; thinking?: string } | null;
  delta?: { type?: string; text?: string; thinking?: string; partial_json?: string } | null;
  usage?: AnthropicUsage | null;
  error?: unknown;
}

/** Events that carry nothing to measure: skipped without parsing. */
interface CompleteMessage {
  type?: string;
  content?: Array<{ type?: string; text?: string; thinking?: string; input?: unknown }> | null;
  usage?: AnthropicUsage | null;
  error?: unknown;
}

const SKIPPED = new Set(['ping', 'content_block_stop']);

export const anthropicMessages: Protocol = {
  name: 'anthropic-messages',
  framing: 'sse',
  endMarker: 'message_stop',
  onMessage(data: string, event: string | undefined, sink: StreamSink) {
    if (event !== undefined && SKIPPED.has(event)) return;
    if (event === 'message_stop') return sink.end();
    const message = parseJsonMessage(data) as AnthropicEvent;
    switch (message.type ?? event) {
      case 'content_block_delta': {
        const delta = message.delta;
        if (!delta) return;
        if (delta.type === 'thinking_delta') return emit(delta.thinking, 'reasoning', sink);
        if (delta.type === 'input_json_delta') return emit(delta.partial_json, 'tool', sink);
        return emit(delta.text, 'answer', sink);
      }
      case 'content_block_start': {
        // Usually empty, but a block may open with text already in it.
        const block = message.content_block;
        if (block) emit(block.type === 'thinking' ? block.thinking : block.text, block.type === 'thinking' ? 'reasoning' : 'answer', sink);
        return;
      }
      case 'message_start':
        // Its output_tokens is a placeholder (usually 1); the real count comes in message_delta.
        return reportUsage(message.message?.usage, false, sink);
      case 'message_delta':
        return reportUsage(message.usage, true, sink);
      case 'message_stop':
        return sink.end();
      case 'error':
        return failWithProviderError(message.error ?? message, sink);
    }
  },
  /** A whole `message`: its text, thinking and tool-use blocks and its usage; or `{type: "error"}`. */
  parseComplete(data: string, sink: StreamSink) {
    const message = parseJsonMessage(data) as CompleteMessage;
    if (message.type === 'error' || message.error) return failWithProviderError(message.error ?? message, sink);
    let answer = false;
    let reasoning = false;
    for (const block of message.content ?? []) {
      const thought = block.type === 'thinking' ? block.thinking : undefined;
      const text = block.type === 'tool_use' ? JSON.stringify(block.input ?? {}) : block.text;
      if (isText(thought)) {
        reasoning = true;
        sink.text(thought, 'reasoning');
      } else if (isText(text)) {
        answer = true;
        sink.text(text, block.type === 'tool_use' ? 'tool' : 'answer');
      }
    }
    if (answer || reasoning) sink.token(!answer);
    reportUsage(message.usage, true, sink);
  },
  setOutputLimit: (body, tokens) => ({ ...body, max_tokens: tokens }),
  setPrompt: (body, prompt) => {
    if (typeof prompt === 'string') return { ...body, messages: [{ role: 'user', content: prompt }] };
    // Anthropic takes the system prompt as a field of its own, not as a message.
    const system = messagesText(prompt.filter((m) => m.role === 'system'));
    const messages = prompt.filter((m) => m.role !== 'system');
    return system ? { ...body, system, messages } : { ...body, messages };
  },
  defaultBody: () => ({
    messages: [{ role: 'user', content: 'Write a short essay about artificial intelligence.' }],
    stream: true,
    max_tokens: 256,
  }),
};

function emit(text: string | undefined, kind: TextKind, sink: StreamSink): void {
  if (!isText(text)) return;
  sink.text(text, kind);
  sink.token(kind === 'reasoning');
}

/** Input tokens include cached prompt tokens, which Anthropic reports in separate fields. */
function reportUsage(usage: AnthropicUsage | null | undefined, withOutput: boolean, sink: StreamSink): void {
  if (!usage) return;
  const input =
    typeof usage.input_tokens === 'number'
      ? usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0)
      : undefined;
  sink.usage({
    inputTokens: input,
    outputTokens: withOutput ? (usage.output_tokens ?? undefined) : undefined,
    cachedInputTokens: usage.cache_read_input_tokens ?? undefined,
  });
}
