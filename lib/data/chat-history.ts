/**
 * A conversation's history in each API's own request shape. Turn k's body is
 * the run's body template with its prompt replaced by the whole history so far
 * (every user turn and the assistant reply actually streamed for it) and the
 * new user turn:
 *   - OpenAI chat, Ollama /api/chat: `messages: [{role, content}, ...]` (the template's
 *     leading system / developer messages kept);
 *   - Anthropic Messages: `messages` (the template's top-level `system` kept);
 *   - Gemini: `contents: [{role: "user" | "model", parts: [{text}]}, ...]`;
 *   - OpenAI Responses: `input: [{role, content}, ...]` (`instructions` kept);
 *   - completions-style APIs (OpenAI completions, Ollama /api/generate): `prompt`,
 *     the transcript so far: each user turn, then the reply the model continued it with.
 * Pure: the same history always gives the same body.
 */
import { UsageError } from '../record/errors.ts';
import type { Protocol } from '../wire/protocols/protocol.ts';

export type ChatShape = 'openai-messages' | 'anthropic-messages' | 'gemini-contents' | 'responses-input' | 'prompt-text';

export interface ChatMessage {
  role: 'user' | 'assistant' | 'system';
  content: string;
}

/** Between the pieces of a completions-style transcript. */
const TRANSCRIPT_GAP = '\n\n';

/** The history shape of the API a protocol speaks; a UsageError for one without turns (raw, or auto-detection). */
export function chatShapeOf(protocol: Protocol | undefined, url: string): ChatShape {
  switch (protocol?.name) {
    case 'openai-chat':
      return 'openai-messages';
    case 'anthropic-messages':
      return 'anthropic-messages';
    case 'gemini':
      return 'gemini-contents';
    case 'openai-responses':
      return 'responses-input';
    case 'openai-completions':
      return 'prompt-text';
    case 'ollama':
      return new URL(url).pathname.replace(/\/+$/, '').endsWith('/api/generate') ? 'prompt-text' : 'openai-messages';
    default:
      throw new UsageError(
        `conversations (--turns, a session trace) need a chat API known before sending, and ${protocol ? `protocol ${protocol.name}` : 'the URL path'} names none: ` +
          'use a path such as /v1/chat/completions, or --protocol openai-chat',
      );
  }
}

/** The body template with its prompt replaced by `history` (user and assistant turns, oldest first). */
export function bodyWithHistory(template: unknown, shape: ChatShape, history: readonly ChatMessage[]): Record<string, unknown> {
  const body = isObject(template) ? { ...template } : {};
  switch (shape) {
    case 'openai-messages': {
      const kept = Array.isArray(body.messages) ? body.messages.filter(isInstruction) : [];
      body.messages = [...kept, ...history.map(({ role, content }) => ({ role, content }))];
      return body;
    }
    case 'anthropic-messages':
      body.messages = history.filter((m) => m.role !== 'system').map(({ role, content }) => ({ role, content }));
      return body;
    case 'gemini-contents':
      body.contents = history
        .filter((m) => m.role !== 'system')
        .map(({ role, content }) => ({ role: role === 'assistant' ? 'model' : 'user', parts: [{ text: content }] }));
      return body;
    case 'responses-input':
      body.input = history.map(({ role, content }) => ({ role, content }));
      return body;
    case 'prompt-text':
      body.prompt = transcript(history);
      return body;
  }
}

/**
 * A completions-style prompt: the pieces back to back, so turn k's prompt
 * starts with turn k-1's prompt and the text the model continued it with
 * (a server's prefix cache sees the same prefix a chat API's history gives).
 */
function transcript(history: readonly ChatMessage[]): string {
  let text = '';
  history.forEach((message, i) => {
    // The reply continues its prompt directly; a new user turn starts after a gap.
    const gap = i === 0 || message.role === 'assistant' ? '' : TRANSCRIPT_GAP;
    text += gap + message.content;
  });
  return text;
}

function isInstruction(message: unknown): boolean {
  const role = isObject(message) ? message.role : undefined;
  return role === 'system' || role === 'developer';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
