/** Protocol lookup by name, and detection from the URL when none is forced. */
import { UsageError } from '../errors.ts';
import { openaiChat } from './openai-chat.ts';
import type { Protocol } from './protocol.ts';
import { raw } from './raw.ts';

const PROTOCOLS: Record<string, Protocol> = {
  [openaiChat.name]: openaiChat,
  [raw.name]: raw,
};

export const PROTOCOL_NAMES = Object.keys(PROTOCOLS);

export function protocolByName(name: string): Protocol {
  const protocol = PROTOCOLS[name];
  if (!protocol) throw new UsageError(`unknown protocol "${name}"; known: ${PROTOCOL_NAMES.join(', ')}`);
  return protocol;
}

/** Picks a protocol from the URL path. */
export function detectProtocol(url: string): Protocol {
  const path = new URL(url).pathname;
  if (path.endsWith('/chat/completions')) return openaiChat;
  return openaiChat;
}

export function resolveProtocol(name: string | undefined, url: string): Protocol {
  return name && name !== 'auto' ? protocolByName(name) : detectProtocol(url);
}
