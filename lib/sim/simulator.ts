/**
 * The simulated LLM endpoint, defined once and served three ways: msw
 * handlers in tests, the node:http mock server, and the demo run. One timing
 * plan (planTimeline: when each reasoning and answer token is generated) is
 * written out in the dialect the request path names (lib/sim-dialects.ts):
 * OpenAI chat / completions / Responses, Anthropic Messages, Gemini, Ollama.
 */
import type { Rng } from '../util/random.ts';
import { blockKeys, BLOCK_TOKENS, createPrefixCache, type PrefixCache } from './prefix-cache.ts';
import { promptText } from './prompt-text.ts';
import { dialectForPath, type SimDialect } from './dialects.ts';
import { protocolForPath } from '../wire/protocols/registry.ts';
import type { SimFrame, SimTimeline, SimToken } from './timeline.ts';

export interface SimulatorOptions {
  /** Delay from request to the first token (reasoning or answer), ms. */
  ttftMs: number;
  /** Delay between tokens, ms. */
  itlMs: number;
  /** Answer tokens per response (capped by the request's max tokens). */
  tokens: number;
  /** Reasoning tokens sent before the answer (default 0: none). */
  reasoningTokens?: number;
  /** Each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
  seed?: number;
  /** Prefill: extra time to the first token per prompt token not served from the prefix cache, ms (default 0). */
  prefillMsPerToken?: number;
  /** Prefix cache size in tokens (0: no cache); needs a SimState to live in. */
  prefixCacheTokens?: number;
  /** The tokenizer the endpoint counts prompts with; without one, ~4 characters a token. */
  encode?: (text: string) => ArrayLike<number>;
}

/** What the endpoint remembers between requests: its prefix cache. */
export interface SimState {
  cache: PrefixCache;
}

export function createSimState(options: Pick<SimulatorOptions, 'prefixCacheTokens'>): SimState {
  return { cache: createPrefixCache(Math.floor((options.prefixCacheTokens ?? 0) / BLOCK_TOKENS)) };
}

export const DEFAULT_SIMULATOR = {
  ttftMs: 150,
  itlMs: 10,
  tokens: 40,
  reasoningTokens: 0,
  jitter: 0.2,
  /** 20,000 prompt tokens a second: 51 ms for 1,024 uncached tokens. */
  prefillMsPerToken: 0.05,
  prefixCacheTokens: 1_000_000,
} as const;

const WORDS = ['Stream', 'ing', ' is', ' measured', ' token', ' by', ' token', ',', ' 流', '式', ' 输出', ' 🚀', '.'];
const THOUGHTS = ['Let', ' me', ' think', ' about', ' this', '…'];
/** Without a tokenizer: ~4 characters a token, as a rough English average. */
const CHARS_PER_TOKEN = 4;

/** Reads whichever max-tokens field the request's API uses. */
function requestedMaxTokens(request: Record<string, unknown>): number | undefined {
  const nested = (key: string, field: string) => (request[key] as Record<string, unknown> | undefined)?.[field];
  const candidates = [
    request.max_tokens,
    request.max_completion_tokens,
    request.max_output_tokens,
    nested('generationConfig', 'maxOutputTokens'),
    nested('options', 'num_predict'),
  ];
  return candidates.find((v): v is number => typeof v === 'number' && v > 0);
}

/** The prompt's tokens, and how many the prefix cache served (then the prompt is cached). */
function readPrompt(request: Record<string, unknown>, options: SimulatorOptions, state: SimState | undefined): { input: number; cached: number } {
  const text = promptText(request);
  if (!options.encode) {
    // Blocks of characters stand in for blocks of tokens.
    const input = Math.ceil(text.length / CHARS_PER_TOKEN);
    if (!state) return { input, cached: 0 };
    const codes = Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
    const hits = state.cache.admit(blockKeys(codes, BLOCK_TOKENS * CHARS_PER_TOKEN));
    return { input, cached: Math.min(input, hits * BLOCK_TOKENS) };
  }
  const tokens = options.encode(text);
  const hits = state ? state.cache.admit(blockKeys(tokens)) : 0;
  return { input: tokens.length, cached: hits * BLOCK_TOKENS };
}

/**
 * When each token is generated. Pure given the RNG and the state. The output
 * cap (max_tokens and its kin) applies to answer tokens; `ignore_eos` makes the
 * answer as long as the cap, `min_tokens` at least that long. The first token
 * waits ttft_ms plus a prefill cost for every prompt token the cache did not serve.
 */
export function planTimeline(body: unknown, options: SimulatorOptions, rng: Rng, state?: SimState): SimTimeline {
  const request = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const cap = requestedMaxTokens(request) ?? Infinity;
  const natural = request.ignore_eos === true && Number.isFinite(cap) ? cap : options.tokens;
  const atLeast = typeof request.min_tokens === 'number' ? request.min_tokens : 0;
  const answerCount = Math.max(1, Math.min(Math.max(natural, atLeast), cap));
  const prompt = readPrompt(request, options, state);
  const jittered = (ms: number) => (options.jitter > 0 ? ms * (1 - options.jitter + 2 * options.jitter * rng()) : ms);
  const tokens: SimToken[] = [];
  let at = jittered(options.ttftMs + (options.prefillMsPerToken ?? 0) * (prompt.input - prompt.cached));
  const thoughts = options.reasoningTokens ?? 0;
  for (let i = 0; i < thoughts + answerCount; i++) {
    if (i > 0) at += jittered(options.itlMs);
    const reasoning = i < thoughts;
    const text = reasoning ? THOUGHTS[i % THOUGHTS.length]! : WORDS[(i - thoughts) % WORDS.length]!;
    tokens.push({ atMs: at, text, reasoning });
  }
  const streamOptions = request.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: typeof request.model === 'string' ? request.model : SIM_MODEL,
    tokens,
    inputTokens: prompt.input,
    cachedInputTokens: prompt.cached,
    includeUsage: streamOptions?.include_usage === true,
  };
}

export interface SimResponse {
  contentType: string;
  frames: SimFrame[];
  /** When the first token (reasoning or answer) is generated: the frame due then carries it. */
  firstTokenAtMs: number;
  /** When each token is generated (the frame due then carries it), and the prompt's tokens: for /metrics. */
  tokenTimesMs: number[];
  inputTokens: number;
}

/**
 * Whether the API streams this request, as the real one decides: Gemini by its endpoint
 * (:streamGenerateContent), Ollama unless `"stream": false`, OpenAI and Anthropic only with
 * `"stream": true` (their SDKs leave `stream` out of a non-streaming request).
 */
export function answersStreaming(pathname: string, body: unknown): boolean {
  const protocol = protocolForPath(pathname);
  const stream = body && typeof body === 'object' && !Array.isArray(body) ? (body as { stream?: unknown }).stream : undefined;
  if (protocol?.name === 'gemini') return pathname.replace(/\/+$/, '').endsWith(':streamGenerateContent');
  if (protocol?.name === 'ollama') return stream !== false;
  return stream === true;
}

/**
 * The response for a request path, or undefined when the path names no simulated API. A request that
 * does not stream (answersStreaming) gets the whole answer as one JSON body in the API's own shape,
 * sent when the last token would have been generated.
 */
export function planResponse(pathname: string, body: unknown, options: SimulatorOptions, rng: Rng, state?: SimState): SimResponse | undefined {
  const dialect: SimDialect | undefined = dialectForPath(pathname);
  if (!dialect) return undefined;
  const timeline = planTimeline(body, options, rng, state);
  if (!answersStreaming(pathname, body)) {
    const end = timeline.tokens[timeline.tokens.length - 1]?.atMs ?? 0;
    return {
      contentType: JSON_TYPE,
      frames: [{ atMs: end, text: JSON.stringify(dialect.json(timeline)) }],
      firstTokenAtMs: end,
      tokenTimesMs: timeline.tokens.map((token) => token.atMs),
      inputTokens: timeline.inputTokens,
    };
  }
  return {
    contentType: dialect.contentType,
    frames: mergeSimultaneous(dialect.frames(timeline)),
    firstTokenAtMs: timeline.tokens[0]?.atMs ?? 0,
    tokenTimesMs: timeline.tokens.map((token) => token.atMs),
    inputTokens: timeline.inputTokens,
  };
}

/** Frames due at the same moment go out as one write, as a server flushing its buffer would send them. */
function mergeSimultaneous(frames: SimFrame[]): SimFrame[] {
  const merged: SimFrame[] = [];
  for (const frame of frames) {
    const last = merged[merged.length - 1];
    if (last && last.atMs === frame.atMs) last.text += frame.text;
    else merged.push({ ...frame });
  }
  return merged;
}

const JSON_TYPE = 'application/json';

export const SIM_PATHS = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/responses',
  '/v1/messages',
  '/v1beta/models/{model}:streamGenerateContent?alt=sse',
  '/v1beta/models/{model}:generateContent',
  '/api/chat',
  '/api/generate',
] as const;

/** The model the simulator names when a request names none. */
export const SIM_MODEL = 'streambench-sim';

/**
 * GET /v1/models: one model, in a shape both OpenAI's list (`object: "list"`, `data[].object`) and
 * Anthropic's (`data[].type`, `has_more`, `first_id`, `last_id`) read.
 */
export function modelList(): object {
  const model = { id: SIM_MODEL, object: 'model', type: 'model', created: 0, created_at: '2025-01-01T00:00:00Z', owned_by: 'streambench', display_name: 'streambench simulated model' };
  return { object: 'list', data: [model], has_more: false, first_id: SIM_MODEL, last_id: SIM_MODEL };
}

/** The frames as a web ReadableStream, with real delays (for msw handlers). */
export function framesToStream(frames: readonly SimFrame[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const start = performance.now();
  let index = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const frame = frames[index++];
      if (!frame) return controller.close();
      const wait = frame.atMs - (performance.now() - start);
      return new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          controller.enqueue(encoder.encode(frame.text));
          resolve();
        }, Math.max(0, wait));
      });
    },
    cancel() {
      clearTimeout(timer);
    },
  });
}
