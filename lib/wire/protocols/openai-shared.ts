/** What OpenAI's chat and completions streams share: the usage chunk and asking for usage. */
import type { JsonObject, PrepareOptions, StreamSink } from './protocol.ts';

export interface OpenAiUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  /** Prompt tokens served from the prefix cache (OpenAI; vLLM with --enable-prompt-tokens-details). */
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
}

export function reportOpenAiUsage(usage: OpenAiUsage, sink: StreamSink): void {
  sink.usage({
    inputTokens: usage.prompt_tokens ?? undefined,
    outputTokens: usage.completion_tokens ?? undefined,
    cachedInputTokens: usage.prompt_tokens_details?.cached_tokens ?? undefined,
  });
}

/** vLLM's and SGLang's sampling fields: generate exactly `tokens`, end-of-sequence or not. */
export function vllmExactOutput(body: JsonObject, tokens: number): JsonObject {
  return { ...body, ignore_eos: true, min_tokens: tokens };
}

/**
 * Adds `stream_options.include_usage: true` to a streaming body so token
 * counts come from the server; leaves an explicit choice alone.
 */
export function askForUsage(body: unknown, options: PrepareOptions): unknown {
  if (!options.includeUsage) return body;
  if (body && typeof body === 'object' && !Array.isArray(body) && (body as { stream?: unknown }).stream === true) {
    const b = body as { stream_options?: Record<string, unknown> };
    if (b.stream_options?.include_usage === undefined) {
      return { ...b, stream_options: { ...b.stream_options, include_usage: true } };
    }
  }
  return body;
}
