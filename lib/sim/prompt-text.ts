/** The prompt text of a request body in any simulated dialect, for counting its tokens. */
import { contentText } from '../wire/protocols/protocol.ts';

/**
 * Every prompt-bearing field, in the order the model would read it: system
 * fields, then messages (OpenAI, Anthropic, Ollama chat), prompt (completions,
 * Ollama generate), input (Responses: a string or messages) and Gemini contents.
 */
export function promptText(request: Record<string, unknown>): string {
  const parts: string[] = [];
  const add = (value: unknown) => {
    const text = contentText(value);
    if (text) parts.push(text);
  };
  add(request.system);
  const instruction = request.systemInstruction as { parts?: unknown } | undefined;
  if (instruction && Array.isArray(instruction.parts)) add(instruction.parts);
  for (const field of ['messages', 'input']) {
    const value = request[field];
    if (typeof value === 'string') add(value);
    else if (Array.isArray(value)) for (const m of value) add((m as { content?: unknown } | null)?.content);
  }
  const prompt = request.prompt;
  if (typeof prompt === 'string') add(prompt);
  else if (Array.isArray(prompt)) for (const p of prompt) add(p);
  if (Array.isArray(request.contents)) for (const c of request.contents) add((c as { parts?: unknown } | null)?.parts);
  return parts.join('\n\n');
}
