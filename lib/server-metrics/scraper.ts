/**
 * Scrapes the server's own metrics during a run, off the request path: with
 * the web-standard fetch (never the measured transport), one scrape in flight
 * per endpoint at most, each bounded by a timeout, the body parsed chunk by
 * chunk as it arrives. One scrape right before the first request (awaited),
 * one every interval (never awaited by anything), one right after the last
 * request. A failing endpoint (absent, slow, a web page, 401, gone halfway,
 * hanging) is warned about once and recorded; it never fails or slows the run.
 */
import { createExpositionParser } from './exposition.ts';
import { ScrapeSeries } from './scrape-series.ts';
import type { EndpointRecord } from './summarize.ts';
import type { ScrapeCost } from './block.ts';

export interface ScrapeEndpoint {
  url: string;
  headers: Record<string, string>;
}

export interface ScraperOptions {
  endpoints: readonly ScrapeEndpoint[];
  intervalMs: number;
  timeoutMs: number;
  /** One line per failing endpoint, at its first failure; the caller redacts and prints it. */
  warn(message: string): void;
  fetch?: typeof fetch;
}

export interface ServerMetricsScraper {
  /** The scrape right before the first request; resolves within the timeout whatever the endpoint does. */
  baseline(): Promise<void>;
  /** Periodic scrapes from now until finish(). */
  start(): void;
  /** Stops the periodic scrapes and takes the scrape right after the last request. */
  finish(): Promise<EndpointRecord[]>;
  /** Stops everything at once (the run failed or was cut short): no more scrapes, none left in flight. */
  stop(): void;
  cost(): ScrapeCost;
}

/**
 * The text format only: every server writes it, with its metric names as they are. Offered OpenMetrics at
 * any weight, prometheus_client (vLLM, SGLang) 0.2x answers OpenMetrics with names escaped
 * (`vllm_num_requests_running`, `escaping=underscores`). An OpenMetrics answer is parsed all the same.
 */
const ACCEPT = 'text/plain;version=0.0.4;q=1,*/*;q=0.1';
/** A body above this is not a metrics page we can use. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

class ScrapeError extends Error {}

interface EndpointState {
  url: string;
  /** Without user:password (fetch refuses them), which became an Authorization header. */
  fetchUrl: string;
  headers: Record<string, string>;
  series: ScrapeSeries;
  failures: Array<{ at: number; error: string }>;
  invalidLines: number;
  warned: boolean;
  baselineOk: boolean;
  finalOk: boolean;
  inFlight?: { controller: AbortController; done: Promise<void> };
}

export function createServerMetricsScraper(options: ScraperOptions): ServerMetricsScraper {
  const fetchImpl = options.fetch ?? fetch;
  const cost: ScrapeCost = { scrapes: 0, busy_ms: 0, max_block_ms: 0, bytes: 0 };
  const states: EndpointState[] = options.endpoints.map((endpoint) => ({
    url: endpoint.url,
    ...credentialsToHeader(endpoint.url, endpoint.headers),
    series: new ScrapeSeries(),
    failures: [],
    invalidLines: 0,
    warned: false,
    baselineOk: false,
    finalOk: false,
  }));
  let timer: NodeJS.Timeout | undefined;
  let started = false;

  async function scrape(state: EndpointState, controller: AbortController, duringLoad: boolean): Promise<boolean> {
    /** Runs `work` on the event loop; during the load, it counts as the scrapes' cost to the client. */
    const timed = <T>(work: () => T): T => {
      const began = performance.now();
      try {
        return work();
      } finally {
        if (duringLoad) {
          const held = performance.now() - began;
          cost.busy_ms += held;
          cost.max_block_ms = Math.max(cost.max_block_ms, held);
        }
      }
    };
    const timeout = setTimeout(() => controller.abort(new ScrapeError(`no answer within ${seconds(options.timeoutMs)}`)), options.timeoutMs);
    let bytes = 0;
    let discarded = false;
    try {
      const response = await fetchImpl(state.fetchUrl, { headers: { accept: ACCEPT, ...state.headers }, signal: controller.signal });
      const at = performance.now();
      if (!response.ok) {
        response.body?.cancel().catch(() => {});
        throw new ScrapeError(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${statusHint(response.status)}`);
      }
      const type = response.headers.get('content-type') ?? '';
      if (/html/i.test(type)) {
        response.body?.cancel().catch(() => {});
        throw new ScrapeError(`answered with a web page (${type.split(';')[0]}), not Prometheus metrics: is this the metrics URL?`);
      }
      const exposition = await readExposition(response, controller.signal, timed, (n) => (bytes += n));
      if (exposition.samples.length === 0) {
        const first = exposition.firstInvalid;
        throw new ScrapeError(
          first
            ? `not Prometheus metrics (line ${first.line}: ${first.reason}: ${JSON.stringify(first.text)})`
            : 'answered with no metrics (an empty page)',
        );
      }
      state.invalidLines += exposition.invalidLines;
      timed(() => state.series.add(at, exposition));
      return true;
    } catch (error) {
      if (controller.signal.aborted && controller.signal.reason === DISCARD) {
        discarded = true;
        return false;
      }
      const message = describe(error, controller.signal);
      state.failures.push({ at: performance.now(), error: message });
      if (!state.warned) {
        state.warned = true;
        const when = state.series.times.length > 0 ? 'stopped answering' : 'failed';
        options.warn(`server metrics ${state.url} ${when}: ${message}; the run goes on, and the results count the failed scrapes`);
      }
      return false;
    } finally {
      clearTimeout(timeout);
      // A periodic scrape dropped at the end (it began before the last request ended) is not counted.
      if (duringLoad && !discarded) {
        cost.scrapes++;
        cost.bytes += bytes;
      }
    }
  }

  async function readExposition(response: Response, signal: AbortSignal, timed: <T>(work: () => T) => T, onBytes: (n: number) => void) {
    const parser = createExpositionParser();
    const decoder = new TextDecoder();
    const reader = response.body?.getReader();
    let bytes = 0;
    if (reader) {
      const stop = () => reader.cancel().catch(() => {});
      signal.addEventListener('abort', stop, { once: true });
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (signal.aborted) throw signal.reason;
          if (done) break;
          bytes += value.byteLength;
          onBytes(value.byteLength);
          if (bytes > MAX_BODY_BYTES) {
            stop();
            throw new ScrapeError(`a body over ${MAX_BODY_BYTES / 1024 / 1024} MB: not a metrics page`);
          }
          timed(() => parser.feed(decoder.decode(value, { stream: true })));
        }
      } finally {
        signal.removeEventListener('abort', stop);
      }
    }
    return timed(() => {
      parser.feed(decoder.decode());
      return parser.end();
    });
  }

  function launch(state: EndpointState, duringLoad = false): Promise<boolean> {
    const controller = new AbortController();
    const result = scrape(state, controller, duringLoad);
    state.inFlight = { controller, done: result.then(() => undefined) };
    return result.finally(() => {
      if (state.inFlight?.controller === controller) state.inFlight = undefined;
    });
  }

  return {
    async baseline() {
      const results = await Promise.all(states.map((state) => launch(state)));
      results.forEach((ok, i) => (states[i]!.baselineOk = ok));
    },
    start() {
      if (started) return;
      started = true;
      timer = setInterval(() => {
        // A scrape still in flight (a slow endpoint) is not stacked on: this tick is skipped for it.
        for (const state of states) if (!state.inFlight) void launch(state, true);
      }, options.intervalMs);
      // Never the reason the process stays up.
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      for (const state of states) state.inFlight?.controller.abort(DISCARD);
    },
    async finish() {
      clearInterval(timer);
      // A periodic scrape still running began before the last request ended: it is dropped, not counted as a failure.
      await Promise.all(
        states.map((state) => {
          state.inFlight?.controller.abort(DISCARD);
          return state.inFlight?.done;
        }),
      );
      const results = await Promise.all(states.map((state) => launch(state)));
      results.forEach((ok, i) => (states[i]!.finalOk = ok));
      return states.map((state) => ({
        url: state.url,
        series: state.series,
        failures: state.failures,
        invalidLines: state.invalidLines,
        coversRun: state.baselineOk && state.finalOk,
      }));
    },
    cost: () => ({ ...cost, busy_ms: round2(cost.busy_ms), max_block_ms: round2(cost.max_block_ms) }),
  };
}

const DISCARD = Symbol('discard');

function describe(error: unknown, signal: AbortSignal): string {
  if (signal.aborted && signal.reason instanceof ScrapeError) return signal.reason.message;
  if (error instanceof ScrapeError) return error.message;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused (nothing listens there: is metrics serving on and on this port?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'the connection was closed mid-answer';
  }
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}

function statusHint(status: number): string {
  if (status === 401 || status === 403) return ': the metrics endpoint wants credentials (server_metrics.headers, e.g. "Authorization": "Bearer ${METRICS_TOKEN}")';
  if (status === 404) return ': no metrics at this path (vLLM, SGLang with --enable-metrics and TGI serve /metrics; llama.cpp needs --metrics)';
  return '';
}

/** fetch() refuses URLs with user:password; they become a Basic Authorization header (redacted like any). */
function credentialsToHeader(url: string, headers: Record<string, string>): { fetchUrl: string; headers: Record<string, string> } {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { fetchUrl: url, headers };
  const basic = Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64');
  parsed.username = '';
  parsed.password = '';
  return { fetchUrl: parsed.toString(), headers: { authorization: `Basic ${basic}`, ...headers } };
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

const round2 = (value: number) => Math.round(value * 100) / 100;
