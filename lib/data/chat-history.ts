/**
 * A conversation's history in each API's own request shape. Turn k's body is
 * the run's body template with its prompt replaced by the whole history so far
 * (every user turn and the assistant reply actually streamed for it) and the
 * new user turn, through the protocol's own prompt setter (protocol.setPrompt):
 *   - OpenAI chat, Ollama /api/chat: `messages: [{role, content}, ...]`, the
 *     template's leading system / developer messages kept;
 *   - Anthropic Messages: `messages` (system messages go to `system`; the template's own kept);
 *   - Gemini: `contents: [{role: "user" | "model", parts: [{text}]}, ...]`;
 *   - OpenAI Responses: `input: [{role, content}, ...]`;
 *   - completions-style APIs (OpenAI completions, Ollama /api/generate): `prompt`,
 *     the transcript so far, one message a paragraph (turn k's prompt starts with turn k-1's).
 * Pure: the same history always gives the same body.
 */
import { UsageError } from '../record/errors.ts';
import type { ChatMessage, JsonObject, Protocol } from '../wire/protocols/protocol.ts';

/** The protocol, checked to carry a conversation: a UsageError for one without a prompt field (raw), or none known before sending. */
export function conversationProtocol(protocol: Protocol | undefined): Protocol & Required<Pick<Protocol, 'setPrompt'>> {
  if (!protocol?.setPrompt) {
    throw new UsageError(
      `conversations (--turns, a session trace) need a chat API known before sending, and ${protocol ? `protocol ${protocol.name}` : 'the URL path'} names none: ` +
        'use a path such as /v1/chat/completions, or --protocol openai-chat',
    );
  }
  return protocol as Protocol & Required<Pick<Protocol, 'setPrompt'>>;
}

/** The body template with its prompt replaced by `history` (user and assistant turns, oldest first). */
export function bodyWithHistory(template: unknown, protocol: Protocol & Required<Pick<Protocol, 'setPrompt'>>, history: readonly ChatMessage[]): JsonObject {
  const body: JsonObject = isObject(template) ? template : {};
  // The template's own instructions stay ahead of the conversation (OpenAI-style messages).
  const kept = Array.isArray(body.messages) ? (body.messages.filter(isInstruction) as ChatMessage[]) : [];
  return protocol.setPrompt(body, [...kept, ...history]);
}

function isInstruction(message: unknown): boolean {
  const role = isObject(message) ? message.role : undefined;
  return role === 'system' || role === 'developer';
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
