/**
 * A request's output-length limit, in the field its API reads: `max_tokens`
 * (OpenAI chat and completions, Anthropic; `max_completion_tokens` when the
 * body already uses it), `max_output_tokens` (OpenAI Responses),
 * `generationConfig.maxOutputTokens` (Gemini), `options.num_predict` (Ollama).
 * A trace entry's output_length is sent this way.
 */
export function withOutputLimit(body: Record<string, unknown>, protocol: string | undefined, tokens: number): Record<string, unknown> {
  const nested = (key: string, field: string) => ({ ...body, [key]: { ...(asObject(body[key]) ?? {}), [field]: tokens } });
  switch (protocol) {
    case 'openai-responses':
      return { ...body, max_output_tokens: tokens };
    case 'gemini':
      return nested('generationConfig', 'maxOutputTokens');
    case 'ollama':
      return nested('options', 'num_predict');
    case 'openai-chat':
      return 'max_completion_tokens' in body ? { ...body, max_completion_tokens: tokens } : { ...body, max_tokens: tokens };
    default:
      return { ...body, max_tokens: tokens };
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
