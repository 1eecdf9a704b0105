/**
 * The simulated LLM endpoint, defined once and served three ways: msw
 * handlers in tests, the node:http mock server, and the demo run. One timing
 * plan (planTimeline: when each reasoning and answer token is generated) is
 * written out in the dialect the request path names (lib/sim-dialects.ts):
 * OpenAI chat / completions / Responses, Anthropic Messages, Gemini, Ollama.
 */
import type { Rng } from '../util/random.ts';
import { dialectForPath, type SimDialect } from './dialects.ts';
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
}

export const DEFAULT_SIMULATOR: Required<Omit<SimulatorOptions, 'seed'>> = { ttftMs: 150, itlMs: 10, tokens: 40, reasoningTokens: 0, jitter: 0.2 };

const WORDS = ['Stream', 'ing', ' is', ' measured', ' token', ' by', ' token', ',', ' 流', '式', ' 输出', ' 🚀', '.'];
const THOUGHTS = ['Let', ' me', ' think', ' about', ' this', '…'];
const SIM_INPUT_TOKENS = 12;

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

/** When each token is generated. Pure given the RNG. The max-tokens cap applies to answer tokens. */
export function planTimeline(body: unknown, options: SimulatorOptions, rng: Rng): SimTimeline {
  const request = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const cap = requestedMaxTokens(request) ?? Infinity;
  const answerCount = Math.max(1, Math.min(options.tokens, cap));
  const jittered = (ms: number) => (options.jitter > 0 ? ms * (1 - options.jitter + 2 * options.jitter * rng()) : ms);
  const tokens: SimToken[] = [];
  let at = jittered(options.ttftMs);
  const thoughts = options.reasoningTokens ?? 0;
  for (let i = 0; i < thoughts + answerCount; i++) {
    if (i > 0) at += jittered(options.itlMs);
    const reasoning = i < thoughts;
    const text = reasoning ? THOUGHTS[i % THOUGHTS.length]! : WORDS[(i - thoughts) % WORDS.length]!;
    tokens.push({ atMs: at, text, reasoning });
  }
  const streamOptions = request.stream_options as { include_usage?: unknown } | undefined;
  return {
    model: typeof request.model === 'string' ? request.model : 'streambench-sim',
    tokens,
    inputTokens: SIM_INPUT_TOKENS,
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

/** The response for a request path, or undefined when the path names no simulated API. */
export function planResponse(pathname: string, body: unknown, options: SimulatorOptions, rng: Rng): SimResponse | undefined {
  const dialect: SimDialect | undefined = dialectForPath(pathname);
  if (!dialect) return undefined;
  const timeline = planTimeline(body, options, rng);
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

export const SIM_PATHS = [
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/responses',
  '/v1/messages',
  '/v1beta/models/{model}:streamGenerateContent?alt=sse',
  '/api/chat',
  '/api/generate',
] as const;

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
