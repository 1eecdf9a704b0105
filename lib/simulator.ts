/**
 * The simulated LLM endpoint's stream, defined once and served three ways: msw
 * handlers in tests, the node:http mock server, and the demo run. It speaks
 * OpenAI chat completions: a role-only first chunk sent with the headers (the
 * trap that makes naive tools report TTFT ~0), then one content token per
 * chunk, a finish chunk, an optional usage chunk, and `data: [DONE]`.
 */
import type { Rng } from './random.ts';

export interface SimulatorOptions {
  /** Delay from request to the first content token, ms. */
  ttftMs: number;
  /** Delay between content tokens, ms. */
  itlMs: number;
  /** Content tokens per response (capped by the request's max_tokens). */
  tokens: number;
  /** Each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter]. */
  jitter: number;
  seed?: number;
}

export const DEFAULT_SIMULATOR: SimulatorOptions = { ttftMs: 150, itlMs: 10, tokens: 40, jitter: 0.2 };

export interface SimFrame {
  /** When to write it, ms after the request arrived. */
  atMs: number;
  text: string;
  /** This frame carries the first content token. */
  firstToken?: boolean;
}

const WORDS = ['Stream', 'ing', ' is', ' measured', ' token', ' by', ' token', ',', ' 流', '式', ' 输出', ' 🚀', '.'];

/** The frames of one response, in order. Pure given the RNG. */
export function planChatStream(body: unknown, options: SimulatorOptions, rng: Rng): SimFrame[] {
  const request = (body && typeof body === 'object' ? body : {}) as {
    max_tokens?: unknown;
    max_completion_tokens?: unknown;
    stream_options?: { include_usage?: unknown };
    model?: unknown;
  };
  const cap = [request.max_tokens, request.max_completion_tokens].find((v) => typeof v === 'number' && v > 0);
  const tokens = Math.max(1, Math.min(options.tokens, typeof cap === 'number' ? cap : Infinity));
  const model = typeof request.model === 'string' ? request.model : 'streambench-sim';
  const jittered = (ms: number) => (options.jitter > 0 ? ms * (1 - options.jitter + 2 * options.jitter * rng()) : ms);
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({
      id: 'chatcmpl-sim',
      object: 'chat.completion.chunk',
      created: 0,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;

  const frames: SimFrame[] = [{ atMs: 0, text: chunk({ role: 'assistant', content: '' }) }];
  let at = jittered(options.ttftMs);
  for (let i = 0; i < tokens; i++) {
    if (i > 0) at += jittered(options.itlMs);
    frames.push({ atMs: at, text: chunk({ content: WORDS[i % WORDS.length] }), firstToken: i === 0 });
  }
  let tail = chunk({}, 'stop');
  if (request.stream_options?.include_usage === true) {
    tail += `data: ${JSON.stringify({
      id: 'chatcmpl-sim',
      object: 'chat.completion.chunk',
      created: 0,
      model,
      choices: [],
      usage: { prompt_tokens: 12, completion_tokens: tokens, total_tokens: 12 + tokens },
    })}\n\n`;
  }
  frames.push({ atMs: at, text: tail + 'data: [DONE]\n\n' });
  return frames;
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
} as const;

/** The same stream as a web ReadableStream, with real delays (for msw handlers). */
export function simulatedResponseBody(body: unknown, options: SimulatorOptions, rng: Rng): ReadableStream<Uint8Array> {
  const frames = planChatStream(body, options, rng);
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
