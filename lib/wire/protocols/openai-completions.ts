/**
 * OpenAI (legacy) completions streaming, as vLLM, SGLang and llama.cpp serve it:
 * `data: {choices:[{text}]}`, an optional trailing usage chunk, then `data: [DONE]`.
 */
import { askForUsage, reportOpenAiUsage, vllmExactOutput, type OpenAiUsage } from './openai-shared.ts';
import { failWithProviderError, isText, messagesText, parseJsonMessage, type Protocol, type StreamSink } from './protocol.ts';

interface CompletionChunk {
  choices?: Array<{ text?: string | null }> | null;
  usage?: OpenAiUsage | null;
  error?: unknown;
}

export const openaiCompletions: Protocol = {
  name: 'openai-completions',
  framing: 'sse',
  endMarker: '[DONE]',
  onMessage(data: string, _event: string | undefined, sink: StreamSink) {
    if (data === '[DONE]') return sink.end();
    const chunk = parseJsonMessage(data) as CompletionChunk;
    // `{"error": {...}}` in place of a chunk: vLLM, SGLang and proxies send it mid-stream.
    if (chunk.error) return failWithProviderError(chunk.error, sink);
    let answer = false;
    // Stryker disable next-line ArrayDeclaration: a placeholder string's characters have no text, so nothing is counted either way
    for (const choice of chunk.choices ?? []) {
      if (isText(choice.text)) {
        answer = true;
        sink.text(choice.text, 'answer');
      }
    }
    if (answer) sink.token(false);
    if (chunk.usage) reportOpenAiUsage(chunk.usage, sink);
  },
  prepareBody: askForUsage,
  setOutputLimit: (body, tokens) => ({ ...body, max_tokens: tokens }),
  setExactOutput: vllmExactOutput,
  setPrompt: (body, prompt) => ({ ...body, prompt: typeof prompt === 'string' ? prompt : messagesText(prompt) }),
  defaultBody: () => ({ prompt: 'Write a short essay about artificial intelligence.', stream: true, max_tokens: 256 }),
};
