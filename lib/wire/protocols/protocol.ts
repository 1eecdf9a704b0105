/**
 * The protocol adapter interface: turns framed stream messages (SSE events,
 * NDJSON lines or raw chunks) into token / usage / end / error signals.
 * Adapters are stateless singletons; per-request state lives in the sink.
 */
import type { Usage } from '../../record/record.ts';

export type Framing = 'sse' | 'ndjson' | 'raw';

/** What a piece of generated text is: the answer, reasoning, or a tool call's arguments. */
export type TextKind = 'answer' | 'reasoning' | 'tool';

export interface StreamSink {
  /**
   * One token event: a message carrying non-empty generated text. Called at
   * most once per message; a message with both reasoning and answer text is an
   * answer event (the answer has begun).
   */
  token(reasoning: boolean): void;
  /**
   * Generated text, for a tokenizer estimate (every kind) and for a conversation's next turn (the answer);
   * a no-op unless one of them was asked for.
   */
  text(text: string, kind: TextKind): void;
  /** False when text() discards the text (no tokenizer, no conversation): adapters may then skip decoding it. */
  readonly wantsText?: boolean;
  /** Server-reported token counts; later reports overwrite the fields they carry. */
  usage(usage: Usage): void;
  /** The protocol's end-of-stream marker was seen. */
  end(): void;
  /** An in-stream error event, with the provider's message and error type or code when it gives one. */
  fail(message: string, code?: string): void;
}

export interface PrepareOptions {
  /** Ask the server for a usage report where the API needs asking (OpenAI `stream_options.include_usage`). */
  includeUsage: boolean;
}

export interface Protocol {
  readonly name: string;
  readonly framing: Framing;
  /** How the stream says it is complete, for messages ("[DONE]", "message_stop"). */
  readonly endMarker: string;
  /** One SSE event (data and event type), one NDJSON line, or one raw chunk's text. */
  onMessage(data: string, event: string | undefined, sink: StreamSink): void;
  /** Adjusts the parsed request body before sending, e.g. to ask for usage. */
  prepareBody?(body: unknown, options: PrepareOptions): unknown;
  /** A minimal streaming request body for this API, used when the config gives none. */
  defaultBody?(url: URL): unknown;
  /**
   * False when the request asks for the whole answer as one JSON body; default: unless the body says
   * `"stream": false` (asksNotToStream).
   */
  streams?(body: unknown, url: URL): boolean;
  /**
   * Reads a non-streaming answer (the whole body, JSON) into the sink: text, usage, or a provider error.
   * Default: the body is read as one stream message (onMessage), which fits APIs whose answer has the
   * shape of their stream chunks (Gemini, Ollama, OpenAI completions). The caller marks the end.
   */
  parseComplete?(data: string, sink: StreamSink): void;
  /** Sets the API's own output limit field (max_tokens, max_output_tokens, ...) on a JSON object body. */
  setOutputLimit?(body: JsonObject, tokens: number): JsonObject;
  /** Also asks the server to produce exactly `tokens` (ignore end-of-sequence); undefined when the API has no such field. */
  setExactOutput?(body: JsonObject, tokens: number): JsonObject;
  /** Puts a prompt (text, or chat messages where the API takes them) into a JSON object body. */
  setPrompt?(body: JsonObject, prompt: string | ChatMessage[]): JsonObject;
}

/** `"stream": false` in a JSON object body: the request asks for the whole answer at once. */
export function asksNotToStream(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && (body as { stream?: unknown }).stream === false;
}

export type JsonObject = Record<string, unknown>;

/** An OpenAI-style chat message, as datasets hold them. */
export interface ChatMessage {
  role: string;
  content: unknown;
}

/** The messages as one text, for APIs that take a prompt string: each message's text on its own paragraph. */
export function messagesText(messages: readonly ChatMessage[]): string {
  return messages.map((m) => contentText(m.content)).filter((text) => text.length > 0).join('\n\n');
}

/** The text of a message content: a string, or OpenAI content parts ({type: "text", text}). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === 'string' ? part : part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
      .join('');
  }
  return '';
}

/** Parses a JSON message; malformed JSON is a protocol error, not a crash. */
export function parseJsonMessage(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new MalformedMessageError(data);
  }
}

/** The excerpt of the message is added where the error is recorded, after secrets are scrubbed from it. */
export class MalformedMessageError extends Error {
  readonly code = 'E_MALFORMED';
  constructor(readonly data: string) {
    super('malformed JSON in stream');
  }
}

/**
 * The message of an error object in any provider's shape: a string, or
 * `{message, type | code | status}`. The code is the first string among type,
 * code and status (Anthropic "overloaded_error", Gemini "UNAVAILABLE"), else a
 * numeric code.
 */
function describeProviderError(error: unknown): { message: string; code?: string } {
  if (typeof error === 'string') return { message: error };
  if (error && typeof error === 'object') {
    const e = error as { message?: unknown; type?: unknown; code?: unknown; status?: unknown };
    const fields = [e.type, e.code, e.status];
    const code = fields.find((v) => typeof v === 'string' && v.length > 0) ?? fields.find((v) => typeof v === 'number');
    const message = typeof e.message === 'string' ? e.message : JSON.stringify(error);
    return code === undefined ? { message } : { message, code: String(code) };
  }
  return { message: String(error) };
}

/** Reports a provider's in-stream error object as a failure. */
export function failWithProviderError(error: unknown, sink: StreamSink): void {
  const { message, code } = describeProviderError(error);
  sink.fail(message, code);
}

/** True for a non-empty string: the only kind of field that makes a token event. */
export function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
