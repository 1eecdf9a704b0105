/**
 * Google Gemini `models/{model}:streamGenerateContent?alt=sse`: each SSE event
 * is a GenerateContentResponse, `candidates[].content.parts[]` with `text`
 * (`thought: true` marks reasoning) and a cumulative `usageMetadata`. There is
 * no [DONE]: the chunk whose candidate has a `finishReason` is the end marker.
 * An `{error: {code, message, status}}` event is an in-stream error.
 */
import { contentText, failWithProviderError, isText, messagesText, parseJsonMessage, type Protocol, type StreamSink } from './protocol.ts';

interface GeminiChunk {
  candidates?: Array<{
    content?: { parts?: Array<{ text?: string; thought?: boolean; functionCall?: unknown }> | null } | null;
    finishReason?: string | null;
  }> | null;
  usageMetadata?: {
    promptTokenCount?: number;
    cachedContentTokenCount?: number;
    candidatesTokenCount?: number;
    thoughtsTokenCount?: number;
  } | null;
  promptFeedback?: { blockReason?: string } | null;
  error?: unknown;
}

export const gemini: Protocol = {
  name: 'gemini',
  framing: 'sse',
  endMarker: 'finishReason',
  onMessage(data: string, _event: string | undefined, sink: StreamSink) {
    const chunk = parseJsonMessage(data) as GeminiChunk;
    if (chunk.error) return failWithProviderError(chunk.error, sink);
    if (chunk.promptFeedback?.blockReason) return sink.fail(`prompt blocked: ${chunk.promptFeedback.blockReason}`, 'blocked');
    let answer = false;
    let reasoning = false;
    let finished = false;
    for (const candidate of chunk.candidates ?? []) {
      for (const part of candidate.content?.parts ?? []) {
        if (isText(part.text)) {
          if (part.thought === true) reasoning = true;
          else answer = true;
          sink.text(part.text, part.thought === true ? 'reasoning' : 'answer');
        } else if (part.functionCall) {
          // Function calls arrive whole, not as deltas; they are still generated output.
          answer = true;
          sink.text(JSON.stringify(part.functionCall), 'tool');
        }
      }
      if (candidate.finishReason) finished = true;
    }
    if (answer || reasoning) sink.token(!answer);
    const usage = chunk.usageMetadata;
    if (usage) {
      // candidatesTokenCount excludes thinking tokens, which Gemini reports (and bills) separately.
      const generated =
        usage.candidatesTokenCount === undefined && usage.thoughtsTokenCount === undefined
          ? undefined
          : (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0);
      sink.usage({ inputTokens: usage.promptTokenCount, outputTokens: generated, cachedInputTokens: usage.cachedContentTokenCount });
    }
    if (finished) sink.end();
  },
  // :generateContent answers with one GenerateContentResponse (read by onMessage); :streamGenerateContent streams them.
  streams: (_body, url) => !url.pathname.replace(/\/+$/, '').endsWith(':generateContent'),
  setOutputLimit: (body, tokens) => ({ ...body, generationConfig: { ...(body.generationConfig as object | undefined), maxOutputTokens: tokens } }),
  setPrompt: (body, prompt) => {
    if (typeof prompt === 'string') return { ...body, contents: [{ role: 'user', parts: [{ text: prompt }] }] };
    const system = messagesText(prompt.filter((m) => m.role === 'system'));
    const contents = prompt
      .filter((m) => m.role !== 'system')
      .map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: contentText(m.content) }] }));
    return system ? { ...body, systemInstruction: { parts: [{ text: system }] }, contents } : { ...body, contents };
  },
  defaultBody: () => ({
    contents: [{ role: 'user', parts: [{ text: 'Write a short essay about artificial intelligence.' }] }],
    generationConfig: { maxOutputTokens: 256 },
  }),
};
