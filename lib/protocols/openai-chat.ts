/**
 * OpenAI chat completions streaming (also vLLM, SGLang, DeepSeek, Qwen):
 * `data: {choices:[{delta:{content|reasoning_content|reasoning|tool_calls}}]}`,
 * an optional trailing usage chunk, then `data: [DONE]`.
 */
import { parseJsonMessage, type Protocol, type StreamSink } from './protocol.ts';

interface ChatChunk {
  choices?: Array<{
    delta?: {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: Array<{ function?: { arguments?: string } }>;
    };
  }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string } | string;
}

export const openaiChat: Protocol = {
  name: 'openai-chat',
  framing: 'sse',
  onMessage(data: string, _event: string | undefined, sink: StreamSink) {
    if (data === '[DONE]') return sink.end();
    const chunk = parseJsonMessage(data) as ChatChunk;
    if (chunk.error !== undefined) {
      const message = typeof chunk.error === 'string' ? chunk.error : (chunk.error.message ?? JSON.stringify(chunk.error));
      return sink.fail(message);
    }
    const delta = chunk.choices?.[0]?.delta;
    if (delta) {
      if (delta.reasoning_content || delta.reasoning) sink.token(true);
      if (delta.content || delta.tool_calls?.some((call) => call.function?.arguments)) sink.token(false);
    }
    if (chunk.usage) {
      sink.usage({ inputTokens: chunk.usage.prompt_tokens, outputTokens: chunk.usage.completion_tokens });
    }
  },
  prepareBody(body: unknown) {
    // Ask for the trailing usage chunk so token counts come from the server.
    if (body && typeof body === 'object' && !Array.isArray(body) && (body as { stream?: unknown }).stream === true) {
      const b = body as { stream_options?: Record<string, unknown> };
      if (b.stream_options?.include_usage === undefined) {
        return { ...b, stream_options: { ...b.stream_options, include_usage: true } };
      }
    }
    return body;
  },
};
