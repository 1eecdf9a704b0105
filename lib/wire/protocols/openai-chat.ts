/**
 * OpenAI chat completions streaming (also vLLM, SGLang, DeepSeek, Qwen):
 * `data: {choices:[{delta:{content|reasoning_content|reasoning|tool_calls}}]}`,
 * an optional trailing usage chunk (`choices: []`), then `data: [DONE]`.
 */
import { askForUsage, reportOpenAiUsage, vllmExactOutput, type OpenAiUsage } from './openai-shared.ts';
import { failWithProviderError, isText, parseJsonMessage, type Protocol, type StreamSink } from './protocol.ts';

interface ChatChunk {
  choices?: Array<{
    delta?: {
      content?: string | null;
      reasoning_content?: string | null;
      reasoning?: string | null;
      tool_calls?: Array<{ function?: { arguments?: string | null } | null }> | null;
    } | null;
  }> | null;
  usage?: OpenAiUsage | null;
  error?: unknown;
}

type ChatMessage = NonNullable<NonNullable<NonNullable<ChatChunk['choices']>[number]>['delta']>;

interface ChatCompletion {
  choices?: Array<{ message?: ChatMessage | null }> | null;
  usage?: OpenAiUsage | null;
  error?: unknown;
}

export const openaiChat: Protocol = {
  name: 'openai-chat',
  framing: 'sse',
  endMarker: '[DONE]',
  onMessage(data: string, _event: string | undefined, sink: StreamSink) {
    if (data === '[DONE]') return sink.end();
    // The shortcut reads no text: only a sink that discards text (no tokenizer estimate) may take it.
    // Stryker disable next-line ConditionalExpression: without the shortcut the parsed path gives the same signals (tested), only slower
    const quick = sink.wantsText === false ? quickDeltaTokens(data) : UNKNOWN;
    // Stryker disable next-line ConditionalExpression,BlockStatement: the same: the parsed path below agrees with the shortcut
    if (quick !== UNKNOWN) {
      if (quick !== 0) sink.token((quick & ANSWER) === 0);
      return;
    }
    const chunk = parseJsonMessage(data) as ChatChunk;
    // `{"error": {...}}` in place of a chunk: vLLM, SGLang and proxies send it mid-stream.
    if (chunk.error) return failWithProviderError(chunk.error, sink);
    let answer = false;
    let reasoning = false;
    // Stryker disable next-line ArrayDeclaration: a placeholder string's characters have no delta, so nothing is counted either way
    for (const choice of chunk.choices ?? []) {
      const delta = choice.delta;
      if (!delta) continue;
      // DeepSeek and Qwen name it reasoning_content; newer vLLM and OpenRouter name it reasoning.
      const thought = delta.reasoning_content || delta.reasoning;
      if (isText(thought)) {
        reasoning = true;
        sink.text(thought, 'reasoning');
      }
      if (isText(delta.content)) {
        answer = true;
        sink.text(delta.content, 'answer');
      }
      // Stryker disable next-line ArrayDeclaration: a placeholder string's characters have no function, so nothing is counted either way
      for (const call of delta.tool_calls ?? []) {
        const args = call.function?.arguments;
        if (isText(args)) {
          answer = true;
          sink.text(args, 'tool');
        }
      }
    }
    if (answer || reasoning) sink.token(!answer);
    if (chunk.usage) reportOpenAiUsage(chunk.usage, sink);
  },
  /** `chat.completion`: each choice's whole `message` instead of a `delta`. */
  parseComplete(data: string, sink: StreamSink) {
    const completion = parseJsonMessage(data) as ChatCompletion;
    if (completion.error) return failWithProviderError(completion.error, sink);
    let answer = false;
    let reasoning = false;
    for (const choice of completion.choices ?? []) {
      const message = choice.message;
      if (!message) continue;
      const thought = message.reasoning_content || message.reasoning;
      if (isText(thought)) {
        reasoning = true;
        sink.text(thought, 'reasoning');
      }
      if (isText(message.content)) {
        answer = true;
        sink.text(message.content, 'answer');
      }
      for (const call of message.tool_calls ?? []) {
        const args = call.function?.arguments;
        if (isText(args)) {
          answer = true;
          sink.text(args, 'tool');
        }
      }
    }
    if (answer || reasoning) sink.token(!answer);
    if (completion.usage) reportOpenAiUsage(completion.usage, sink);
  },
  prepareBody: askForUsage,
  // A body that already uses max_completion_tokens (OpenAI's newer name) keeps it; vLLM and SGLang read both.
  setOutputLimit: (body, tokens) => ('max_completion_tokens' in body ? { ...body, max_completion_tokens: tokens } : { ...body, max_tokens: tokens }),
  setExactOutput: vllmExactOutput,
  setPrompt: (body, prompt) => ({ ...body, messages: typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt }),
  defaultBody: () => ({
    messages: [{ role: 'user', content: 'Write a short essay about artificial intelligence.' }],
    stream: true,
    max_tokens: 256,
  }),
};

const UNKNOWN = -1;
const REASONING = 1;
const ANSWER = 2;
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * The hot path's shortcut: nearly every chunk is compact JSON of the shape
 * `{…,"choices":[{"index":0,"delta":{"content":"…"},…}]}`, and all we need is
 * whether its delta's text fields are empty. This reads that answer off the
 * text (about 3x cheaper than JSON.parse) and returns a REASONING | ANSWER
 * mask, or UNKNOWN for anything it cannot prove: whitespace, a usage object,
 * tool calls, non-string values, several choices, escapes in keys. UNKNOWN
 * chunks take the JSON.parse path, which also reports malformed JSON.
 */
export function quickDeltaTokens(data: string): number {
  const last = data.length - 1;
  if (data.charCodeAt(0) !== 123 || data.charCodeAt(last) !== 125) return UNKNOWN;
  const delta = data.lastIndexOf('"delta":{');
  if (delta === -1) return UNKNOWN;
  // The delta must be the first choice's: nothing closes between "choices":[ and it.
  const choices = data.lastIndexOf('"choices":[{', delta);
  if (choices === -1) return UNKNOWN;
  for (let i = choices + 12; i < delta; i++) if (data.charCodeAt(i) === 125) return UNKNOWN;
  if (data.lastIndexOf('"usage":{') !== -1) return UNKNOWN;
  let mask = 0;
  let pos = delta + 9;
  if (data.charCodeAt(pos) === 125) return mask; // "delta":{}
  for (;;) {
    // A key: "name":
    if (data.charCodeAt(pos) !== QUOTE) return UNKNOWN;
    const keyStart = pos + 1;
    const keyEnd = data.indexOf('"', keyStart);
    if (keyEnd === -1 || data.charCodeAt(keyEnd - 1) === BACKSLASH || data.charCodeAt(keyEnd + 1) !== 58) return UNKNOWN;
    pos = keyEnd + 2;
    // A value: a string or null; anything else (tool_calls arrays, numbers) is parsed properly.
    let nonEmpty = false;
    if (data.charCodeAt(pos) === QUOTE) {
      let end = pos + 1;
      nonEmpty = data.charCodeAt(end) !== QUOTE;
      for (;;) {
        end = data.indexOf('"', end);
        if (end === -1) return UNKNOWN;
        let slashes = 0;
        while (data.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
        end++;
      }
      pos = end + 1;
    } else if (data.startsWith('null', pos)) {
      pos += 4;
    } else {
      return UNKNOWN;
    }
    if (nonEmpty) {
      const keyLength = keyEnd - keyStart;
      if (keyLength === 7 && data.startsWith('content', keyStart)) mask |= ANSWER;
      else if ((keyLength === 17 && data.startsWith('reasoning_content', keyStart)) || (keyLength === 9 && data.startsWith('reasoning', keyStart))) {
        mask |= REASONING;
      }
    }
    const next = data.charCodeAt(pos);
    if (next === 125) return mask;
    if (next !== 44) return UNKNOWN;
    pos++;
  }
}
