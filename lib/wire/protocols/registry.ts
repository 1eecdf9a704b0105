/**
 * Protocol lookup by name, and detection. Auto-detection looks at the URL path
 * first (it is known before the request, so the body can be prepared for the
 * API); when the path names no known API, the response's content-type decides,
 * per response, once headers are in.
 */
import { UsageError } from '../../record/errors.ts';
import { anthropicMessages } from './anthropic-messages.ts';
import { gemini } from './gemini.ts';
import { ollama } from './ollama.ts';
import { openaiChat } from './openai-chat.ts';
import { openaiCompletions } from './openai-completions.ts';
import { openaiResponses } from './openai-responses.ts';
import { asksNotToStream, type Protocol } from './protocol.ts';
import { raw } from './raw.ts';

const PROTOCOLS: Record<string, Protocol> = Object.fromEntries(
  [openaiChat, openaiCompletions, openaiResponses, anthropicMessages, gemini, ollama, raw].map((p) => [p.name, p]),
);

export const PROTOCOL_NAMES = Object.keys(PROTOCOLS);

export function protocolByName(name: string): Protocol {
  const protocol = PROTOCOLS[name];
  if (!protocol) throw new UsageError(`unknown protocol "${name}"; known: auto, ${PROTOCOL_NAMES.join(', ')}`);
  return protocol;
}

/** The protocol the URL path names, or undefined when it names none. */
export function protocolForPath(pathname: string): Protocol | undefined {
  const path = pathname.replace(/\/+$/, '');
  if (path.endsWith('/chat/completions')) return openaiChat;
  if (path.endsWith('/completions')) return openaiCompletions;
  if (path.endsWith('/responses')) return openaiResponses;
  if (path.endsWith('/messages')) return anthropicMessages;
  if (path.endsWith(':streamGenerateContent') || path.endsWith(':generateContent')) return gemini;
  if (path.endsWith('/api/chat') || path.endsWith('/api/generate')) return ollama;
  return undefined;
}

/**
 * The protocol for a response whose request path named none: NDJSON is
 * Ollama's; SSE is assumed OpenAI chat-compatible (what most gateways and
 * self-hosted servers speak); anything else is a raw byte stream.
 */
export function protocolForContentType(contentType: string | null): Protocol {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-ndjson' || type === 'application/ndjson' || type === 'application/jsonl') return ollama;
  if (type === 'text/event-stream') return openaiChat;
  return raw;
}

export interface ProtocolChoice {
  /** Forced by name or named by the URL path; undefined when the response content-type decides. */
  protocol: Protocol | undefined;
  /** How it was chosen, for the run's header line. */
  how: 'forced' | 'path' | 'content-type';
}

export function resolveProtocol(name: string | undefined, url: string): ProtocolChoice {
  const parsed = new URL(url);
  if (name && name !== 'auto') {
    const protocol = protocolByName(name);
    checkUrl(protocol, parsed);
    return { protocol, how: 'forced' };
  }
  const protocol = protocolForPath(parsed.pathname);
  // Stryker disable next-line ConditionalExpression: checkUrl checks only Gemini, which undefined is not
  if (protocol) checkUrl(protocol, parsed);
  return protocol ? { protocol, how: 'path' } : { protocol: undefined, how: 'content-type' };
}

/**
 * Whether a request streams its answer: the protocol decides (Gemini by its endpoint), else `"stream": false`
 * in the body asks for one JSON answer. Non-streaming requests are measured end to end (no TTFT).
 */
export function requestStreams(protocol: Protocol | undefined, body: unknown, url: string): boolean {
  return protocol?.streams ? protocol.streams(body, new URL(url)) : !asksNotToStream(body);
}

function checkUrl(protocol: Protocol, url: URL): void {
  // Without alt=sse Gemini streams one JSON array, which no incremental framing here reads.
  // (:generateContent answers with one JSON object instead: a non-streaming request.)
  if (protocol === gemini && !url.pathname.replace(/\/+$/, '').endsWith(':generateContent') && url.searchParams.get('alt') !== 'sse') {
    throw new UsageError(`gemini streaming needs "?alt=sse" on the URL (got ${url.pathname}${url.search})`);
  }
}
