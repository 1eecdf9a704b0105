/**
 * The simulated endpoint's own Prometheus metrics, in vLLM's names, served at
 * GET /metrics so a demo run with --server-metrics shows the Server section:
 * requests running and waiting (always 0: the simulator has no queue), a
 * KV-cache usage from the tokens in flight (prompt + generated so far, over a
 * fixed simulated capacity), prompt and generation token counters, finished
 * requests, and TTFT / inter-token / end-to-end histograms with vLLM's buckets.
 * TTFT is measured as vLLM does: from the request's arrival to its first
 * token's write.
 */

/** The simulated KV cache holds this many tokens. */
export const SIM_KV_CAPACITY_TOKENS = 4096;
const MODEL = 'streambench-sim';
const LABELS = `model_name="${MODEL}",engine="0"`;

// vLLM's buckets (vllm/v1/metrics/loggers.py).
const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];
const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
const E2E_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) this.counts[i]!++;
  }
}

/** One request's part in the metrics, from its arrival to its end. */
export interface SimRequestMetrics {
  /** `count` tokens were written now. */
  tokens(count: number): void;
  /** The response ended: completed, or cut off (client gone). */
  end(completed: boolean): void;
}

export interface SimMetrics {
  request(inputTokens: number): SimRequestMetrics;
  /** The exposition, Prometheus text format 0.0.4. */
  render(): string;
}

export function createSimMetrics(now: () => number = () => performance.now()): SimMetrics {
  let running = 0;
  let tokensInFlight = 0;
  let promptTokens = 0;
  let generationTokens = 0;
  const finished = { stop: 0, abort: 0 };
  const ttft = new Histogram(TTFT_BUCKETS);
  const itl = new Histogram(ITL_BUCKETS);
  const e2e = new Histogram(E2E_BUCKETS);

  return {
    request(inputTokens) {
      const arrivedAt = now();
      let lastTokenAt: number | undefined;
      let generated = 0;
      let ended = false;
      running++;
      tokensInFlight += inputTokens;
      return {
        tokens(count) {
          if (ended || count <= 0) return;
          const at = now();
          if (lastTokenAt === undefined) {
            ttft.observe((at - arrivedAt) / 1000);
            promptTokens += inputTokens;
          } else {
            itl.observe((at - lastTokenAt) / 1000);
          }
          // Tokens written together (one frame) came out of one step: no time between them.
          for (let i = 1; i < count; i++) itl.observe(0);
          lastTokenAt = at;
          generated += count;
          generationTokens += count;
          tokensInFlight += count;
        },
        end(completed) {
          if (ended) return;
          ended = true;
          running--;
          tokensInFlight -= inputTokens + generated;
          finished[completed ? 'stop' : 'abort']++;
          if (completed) e2e.observe((now() - arrivedAt) / 1000);
        },
      };
    },
    render() {
      const lines: string[] = [];
      const family = (name: string, help: string, type: string) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      const gauge = (name: string, help: string, value: number) => {
        family(name, help, 'gauge');
        lines.push(`${name}{${LABELS}} ${float(value)}`);
      };
      const counter = (name: string, help: string, value: number, extra = '') => {
        if (!extra || extra.includes('stop')) family(name, help, 'counter');
        lines.push(`${name}{${LABELS}${extra}} ${float(value)}`);
      };
      const histogram = (name: string, help: string, h: Histogram) => {
        family(name, help, 'histogram');
        h.bounds.forEach((le, i) => lines.push(`${name}_bucket{${LABELS},le="${float(le)}"} ${float(h.counts[i]!)}`));
        lines.push(`${name}_bucket{${LABELS},le="+Inf"} ${float(h.count)}`, `${name}_count{${LABELS}} ${float(h.count)}`, `${name}_sum{${LABELS}} ${float(h.sum)}`);
      };
      gauge('vllm:num_requests_running', 'Number of requests in model execution batches.', running);
      gauge('vllm:num_requests_waiting', 'Number of requests waiting to be processed.', 0);
      gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', Math.min(1, tokensInFlight / SIM_KV_CAPACITY_TOKENS));
      counter('vllm:num_preemptions_total', 'Cumulative number of preemption from the engine.', 0);
      counter('vllm:prompt_tokens_total', 'Number of prefill tokens processed.', promptTokens);
      counter('vllm:generation_tokens_total', 'Number of generation tokens processed.', generationTokens);
      counter('vllm:request_success_total', 'Count of successfully processed requests.', finished.stop, ',finished_reason="stop"');
      counter('vllm:request_success_total', '', finished.abort, ',finished_reason="abort"');
      histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', ttft);
      histogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', itl);
      histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', e2e);
      return lines.join('\n') + '\n';
    },
  };
}

/** As Python's prometheus_client writes numbers: 3.0, 0.25, 1e-05. */
function float(value: number): string {
  if (Number.isInteger(value)) return `${value}.0`;
  return String(value);
}
