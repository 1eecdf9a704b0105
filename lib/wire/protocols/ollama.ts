/**
 * Ollama's native API, NDJSON (`application/x-ndjson`): one JSON object per
 * line. `/api/chat` streams `message.content` (and `message.thinking` for
 * reasoning), `/api/generate` streams `response` (and `thinking`). The last
 * line has `done: true` (the end marker) with `prompt_eval_count` and
 * `eval_count`. A line `{"error": "..."}` is an in-stream error.
 */
import { failWithProviderError, isText, messagesText, parseJsonMessage, type Protocol, type StreamSink } from './protocol.ts';

interface OllamaLine {
  message?: { content?: string; thinking?: string; tool_calls?: unknown[] } | null;
  response?: string;
  thinking?: string;
  done?: boolean;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: unknown;
}

export const ollama: Protocol = {
  name: 'ollama',
  framing: 'ndjson',
  endMarker: '"done": true',
  onMessage(data: string, _event: string | undefined, sink: StreamSink) {
    const line = parseJsonMessage(data) as OllamaLine;
    if (line.error !== undefined) return failWithProviderError(line.error, sink);
    const thinking = line.message ? line.message.thinking : line.thinking;
    const content = line.message ? line.message.content : line.response;
    let answer = false;
    if (isText(thinking)) sink.text(thinking, 'reasoning');
    if (isText(content)) {
      answer = true;
      sink.text(content, 'answer');
    }
    if (line.message?.tool_calls?.length) {
      // Ollama sends tool calls whole, not as deltas.
      answer = true;
      sink.text(JSON.stringify(line.message.tool_calls), 'tool');
    }
    if (answer || isText(thinking)) sink.token(!answer);
    if (line.done === true) {
      sink.usage({ inputTokens: line.prompt_eval_count, outputTokens: line.eval_count });
      sink.end();
    }
  },
  setOutputLimit: (body, tokens) => ({ ...body, options: { ...(body.options as object | undefined), num_predict: tokens } }),
  // /api/generate takes a prompt, /api/chat messages: whichever the body has.
  setPrompt: (body, prompt) =>
    'prompt' in body
      ? { ...body, prompt: typeof prompt === 'string' ? prompt : messagesText(prompt) }
      : { ...body, messages: typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt },
  defaultBody: (url) =>
    url.pathname.endsWith('/api/generate')
      ? { prompt: 'Write a short essay about artificial intelligence.', stream: true, options: { num_predict: 256 } }
      : {
          messages: [{ role: 'user', content: 'Write a short essay about artificial intelligence.' }],
          stream: true,
          options: { num_predict: 256 },
        },
};
