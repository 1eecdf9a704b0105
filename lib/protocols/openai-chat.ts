/**
 * OpenAI chat completions streaming (also vLLM, SGLang, DeepSeek, Qwen):
 * `data: {choices:[{delta:{content|reasoning_content|reasoning|tool_calls}}]}`,
 * an optional trailing usage chunk (`choices: []`), then `data: [DONE]`.
 */
import { askForUsage, reportOpenAiUsage, type OpenAiUsage } from './openai-shared.ts';
import { failWithProviderError, isText, parseJsonMessage, type Protocol, type StreamSink } from './protocol.ts';

interface ChatChunk {
  choices?: Array<{
    delta?: {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: Array<{ function?: { arguments?: string | null } | null }> | null;
    } | null;
  }> | null;
  usage?: OpenAiUsage | null;
  error?: unknown;
}

export const openaiChat: Protocol = {
  name: 'openai-chat',
  framing: 'sse',
  endMarker: '[DONE]',
  onMessage(data: string, _event: string | undefined, sink: StreamSink) {
    if (data === '[DONE]') return sink.end();
    const chunk = parseJsonMessage(data) as ChatChunk;
    // `{"error": {...}}` in place of a chunk: vLLM, SGLang and proxies send it mid-stream.
    if (chunk.error) return failWithProviderError(chunk.error, sink);
    let answer = false;
    let reasoning = false;
    for (const choice of chunk.choices ?? []) {
      const delta = choice.delta;
      if (!delta) continue;
      // DeepSeek and Qwen name it reasoning_content; newer vLLM and OpenRouter name it reasoning.
      const thought = delta.reasoning_content || delta.reasoning;
      if (isText(thought)) {
        reasoning = true;
        sink.text(thought);
      }
      if (isText(delta.content)) {
        answer = true;
        sink.text(delta.content);
      }
      for (const call of delta.tool_calls ?? []) {
        const args = call.function?.arguments;
        if (isText(args)) {
          answer = true;
          sink.text(args);
        }
      }
    }
    if (answer || reasoning) sink.token(!answer);
    if (chunk.usage) reportOpenAiUsage(chunk.usage, sink);
  },
  prepareBody: askForUsage,
  defaultBody: () => ({
    messages: [{ role: 'user', content: 'Write a short essay about artificial intelligence.' }],
    stream: true,
    max_tokens: 256,
  }),
};
