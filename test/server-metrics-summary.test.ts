// From scrapes to the server_metrics block: histogram quantiles against hand-computed values, deltas, gauges, paths.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../lib/server-metrics/exposition.ts';
import { histogramQuantile, quantileBucket } from '../lib/server-metrics/histogram-quantile.ts';
import { ScrapeSeries } from '../lib/server-metrics/scrape-series.ts';
import { counterStats, gaugeStats, increase, summarizeEndpoint } from '../lib/server-metrics/summarize.ts';
import { parseServerPath, serverMetricValue, serverPathUnit, type ServerSelector } from '../lib/server-metrics/server-path.ts';
import { detectServer } from '../lib/server-metrics/catalog.ts';
import type { CounterMetric, GaugeMetric, HistogramMetric, ServerMetricsBlock } from '../lib/server-metrics/block.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'server-metrics', name), 'utf8');
const b = (upperBound: number, count: number) => ({ upperBound, count });

describe('histogramQuantile (as PromQL histogram_quantile)', () => {
  it('interpolates inside the bucket that reaches the rank', () => {
    // rank 0.9 x 27892 = 25102.8 falls in (0.5, 1]: 0.5 + 0.5 x (25102.8 - 24101) / (26351 - 24101)
    expect(histogramQuantile(0.9, [b(0.5, 24101), b(1, 26351), b(Infinity, 27892)])).toBeCloseTo(0.722622, 6);
  });

  it('interpolates the lowest bucket from 0, and returns its bound when that is <= 0', () => {
    expect(histogramQuantile(0.5, [b(2, 10), b(Infinity, 10)])).toBe(1);
    expect(histogramQuantile(0.5, [b(0, 10), b(1, 20), b(Infinity, 20)])).toBe(0);
  });

  it('answers the highest finite bound for a quantile in the +Inf bucket', () => {
    expect(histogramQuantile(0.99, [b(1, 50), b(2, 90), b(Infinity, 100)])).toBe(2);
  });

  it('returns a bucket boundary when the rank lands exactly on a cumulative count', () => {
    expect(histogramQuantile(0.5, [b(1, 50), b(2, 100), b(Infinity, 100)])).toBe(1);
  });

  it('sorts buckets, adds up duplicate bounds and forces cumulative counts monotonic', () => {
    expect(histogramQuantile(0.5, [b(Infinity, 4), b(2, 4), b(1, 2)])).toBe(1);
    expect(histogramQuantile(0.5, [b(1, 1), b(1, 1), b(2, 4), b(Infinity, 4)])).toBe(1);
    // 3 < 4 at le=2 is a scrape race; treated as 4: the median is in (0, 1].
    expect(histogramQuantile(0.5, [b(1, 4), b(2, 3), b(Infinity, 4)])).toBe(0.5);
  });

  it('has no answer without observations, without +Inf or with one bucket; infinite outside 0..1', () => {
    expect(histogramQuantile(0.5, [b(1, 0), b(Infinity, 0)])).toBeNaN();
    expect(histogramQuantile(0.5, [b(1, 3), b(2, 4)])).toBeNaN();
    expect(histogramQuantile(0.5, [b(Infinity, 4)])).toBeNaN();
    expect(histogramQuantile(-0.1, [b(1, 1), b(Infinity, 1)])).toBe(-Infinity);
    expect(histogramQuantile(1.1, [b(1, 1), b(Infinity, 1)])).toBe(Infinity);
  });

  it('names the bucket an estimate lies in', () => {
    expect(quantileBucket(0.9, [b(0.5, 24101), b(1, 26351), b(Infinity, 27892)])).toEqual([0.5, 1]);
  });
});

describe('counter deltas', () => {
  it('adds increases and takes a drop as a restart from 0 (PromQL increase, no extrapolation)', () => {
    expect(increase([10, 15, 3, 8])).toBe(5 + 3 + 5);
    expect(increase([NaN, 10, NaN, 12])).toBe(2);
    expect(increase([10])).toBeNull();
  });

  it('divides the delta by the seconds between the first and last scrape', () => {
    expect(counterStats([100, 160, 400], [0, 1, 4])).toEqual({ delta: 300, rate: 75 });
    expect(counterStats([NaN, 100, 400], [0, 1, 4])).toEqual({ delta: 300, rate: 100 });
  });
});

describe('gauges', () => {
  it('weights each value by the time until the next scrape', () => {
    // 0 for 1 s, 10 for 3 s, then the last scrape (no weight): 30 / 4
    expect(gaugeStats([0, 10, 2], [0, 1, 4])).toEqual({ min: 0, max: 10, avg: 7.5, last: 2 });
  });

  it('skips absent scrapes, and has nothing without a value', () => {
    expect(gaugeStats([NaN, 4, NaN], [0, 1, 2])).toEqual({ min: 4, max: 4, avg: 4, last: 4 });
    expect(gaugeStats([NaN], [0])).toEqual({ min: null, max: null, avg: null, last: null });
  });
});

describe('a run between two vLLM scrapes', () => {
  // The fixtures differ by a known run: +25600 generation tokens, +60000 prompt tokens, +100 requests
  // (finished_reason stop), 100 first tokens: 10 in (0.06, 0.08], 40 in (0.08, 0.1], 40 in (0.1, 0.25], 10 in (0.25, 0.5].
  const origin = 1000;
  const series = new ScrapeSeries();
  series.add(origin - 10, parseExposition(fixture('vllm-before.prom')));
  series.add(origin + 4990, parseExposition(fixture('vllm-after.prom')));
  const endpoint = summarizeEndpoint({ url: 'http://127.0.0.1:8000/metrics', series, failures: [], invalidLines: 0, coversRun: true }, origin);
  const block: ServerMetricsBlock = { version: 1, interval_seconds: 1, endpoints: [endpoint] };

  it('puts the scrapes on the run clock and knows the server', () => {
    expect(endpoint.server).toBe('vllm');
    expect(endpoint.scrapes).toEqual({ ok: 2, failed: 0, first_t: -0.01, last_t: 4.99, covers_run: true });
  });

  it('gives each counter its delta and rate', () => {
    const generation = endpoint.metrics['vllm:generation_tokens_total'] as CounterMetric;
    expect(generation.type).toBe('counter');
    expect(generation.series[0]).toEqual({ labels: { model_name: 'Qwen/Qwen2.5-7B-Instruct', engine: '0' }, delta: 25600, rate: 5120 });
    expect((endpoint.metrics['vllm:prompt_tokens_total'] as CounterMetric).series[0]!.delta).toBe(60000);
    expect((endpoint.metrics['vllm:num_preemptions_total'] as CounterMetric).series[0]!.delta).toBe(0);
  });

  it('keeps each label set and a total over them', () => {
    const success = endpoint.metrics['vllm:request_success_total'] as CounterMetric;
    expect(success.series.map((s) => [s.labels.finished_reason, s.delta])).toEqual([
      ['stop', 100],
      ['length', 0],
      ['abort', 0],
    ]);
    expect(success.total?.delta).toBe(100);
  });

  it('gives each histogram its bucket increases, count, sum and quantiles (hand-computed)', () => {
    const ttft = (endpoint.metrics['vllm:time_to_first_token_seconds'] as HistogramMetric).series[0]!;
    expect(ttft.count).toBe(100);
    expect(ttft.sum).toBe(14);
    expect(ttft.buckets.slice(5, 10)).toEqual([
      ['0.06', 0],
      ['0.08', 10],
      ['0.1', 50],
      ['0.25', 90],
      ['0.5', 100],
    ]);
    expect(ttft.buckets.at(-1)).toEqual(['+Inf', 100]);
    // p50: rank 50 reaches le=0.1 exactly -> 0.08 + 0.02 x 40/40; p90: rank 90 -> 0.1 + 0.15 x 40/40;
    // p99: rank 99 in (0.25, 0.5] -> 0.25 + 0.25 x 9/10
    expect([ttft.p50, ttft.p90, ttft.p99]).toEqual([0.1, 0.25, 0.475]);
  });

  it('summarizes gauges, and leaves the _created series out', () => {
    const running = endpoint.metrics['vllm:num_requests_running'] as GaugeMetric;
    expect(running.series[0]).toMatchObject({ min: 0, max: 3, last: 3 });
    expect(Object.keys(endpoint.metrics).filter((name) => name.includes('created'))).toEqual([]);
  });

  it('records the series over time, known metrics first', () => {
    expect(endpoint.timeseries.t).toEqual([-0.01, 4.99]);
    const generation = endpoint.timeseries.series.find((s) => s.metric === 'vllm:generation_tokens_total');
    expect(generation).toMatchObject({ stat: 'increase', values: [0, 25600] });
    const ttftCount = endpoint.timeseries.series.find((s) => s.metric === 'vllm:time_to_first_token_seconds' && s.stat === 'count');
    expect(ttftCount?.values).toEqual([0, 100]);
    expect(endpoint.timeseries.series[0]!.metric.startsWith('vllm:')).toBe(true);
  });

  it('answers metric paths for thresholds and compare', () => {
    const read = (path: string) => serverMetricValue(block, parseServerPath(path) as ServerSelector);
    expect(read('server.vllm:num_requests_waiting.max')).toBe(1);
    expect(read('server.vllm:generation_tokens_total.delta')).toBe(25600);
    expect(read('server.vllm:generation_tokens_total.rate')).toBe(5120);
    expect(read('server.vllm:time_to_first_token_seconds.p90')).toBe(0.25);
    // p95: rank 95 in (0.25, 0.5] -> 0.25 + 0.25 x 5/10
    expect(read('server.vllm:time_to_first_token_seconds.p95')).toBe(0.375);
    expect(read('server.vllm:time_to_first_token_seconds.mean')).toBe(0.14);
    expect(read('server.vllm:request_success_total.delta')).toBe(100);
    expect(read('server.vllm:request_success_total{finished_reason=stop}.delta')).toBe(100);
    expect(read('server.0.vllm:num_requests_running.last')).toBe(3);
    expect(read('server.1.vllm:num_requests_running.last')).toBeUndefined();
    expect(read('server.vllm:no_such_metric.max')).toBeUndefined();
  });
});

describe('metric paths', () => {
  it('parses endpoint, labels and statistic', () => {
    expect(parseServerPath('server.2.vllm:request_success_total{finished_reason="length", engine=0}.delta')).toEqual({
      endpoint: 2,
      metric: 'vllm:request_success_total',
      labels: { finished_reason: 'length', engine: '0' },
      stat: 'delta',
    });
  });

  it('says what is wrong with a bad path', () => {
    expect(parseServerPath('server.vllm:num_requests_waiting')).toMatch(/^expected server/);
    expect(parseServerPath('server.vllm:num_requests_waiting.median')).toMatch(/unknown statistic "median"/);
    expect(parseServerPath('server.x.p101')).toMatch(/above p100/);
  });

  it('knows units: seconds for latency histograms, a ratio for KV-cache usage, a rate for rate', () => {
    const unit = (path: string) => serverPathUnit(parseServerPath(path) as ServerSelector);
    expect(unit('server.vllm:time_to_first_token_seconds.p99')).toBe('seconds');
    expect(unit('server.tgi_request_duration.p50')).toBe('seconds');
    expect(unit('server.vllm:kv_cache_usage_perc.max')).toBe('ratio');
    expect(unit('server.vllm:generation_tokens_total.rate')).toBe('per_second');
    expect(unit('server.vllm:num_requests_waiting.max')).toBe('count');
  });
});

describe('detectServer', () => {
  it('tells the four servers apart by their metric names', () => {
    const names = (file: string) => [...parseExposition(fixture(file)).families.keys()];
    expect(detectServer(names('vllm-after.prom'))).toBe('vllm');
    expect(detectServer(names('vllm-openmetrics.txt'))).toBe('vllm');
    expect(detectServer(names('sglang.prom'))).toBe('sglang');
    expect(detectServer(names('tgi.prom'))).toBe('tgi');
    expect(detectServer(names('llamacpp.prom'))).toBe('llama.cpp');
    expect(detectServer(['http_requests_total', 'process_cpu_seconds_total'])).toBeNull();
  });
});
