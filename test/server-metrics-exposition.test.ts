// The exposition parser on real-format /metrics pages of vLLM, SGLang, TGI and llama.cpp (fixtures/server-metrics/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExpositionParser, MAX_LINE_CHARS, parseExposition, parseSampleLine, type Exposition } from '../lib/server-metrics/exposition.ts';
import { createRng } from '../lib/util/random.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', 'fixtures', 'server-metrics', name), 'utf8');
const value = (e: Exposition, name: string, labels: Record<string, string> = {}) =>
  e.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
const familyOf = (e: Exposition, name: string) => e.samples.find((s) => s.name === name)?.family;

describe('vLLM, text format 0.0.4 (prometheus_client)', () => {
  const e = parseExposition(fixture('vllm-after.prom'));

  it('parses every line', () => {
    expect(e.invalidLines).toBe(0);
    expect(value(e, 'vllm:num_requests_running')).toBe(3);
    expect(value(e, 'vllm:kv_cache_usage_perc')).toBe(0.25);
    expect(value(e, 'process_resident_memory_bytes')).toBe(1901314048);
  });

  it('keeps counters under their _total names and drops the _created gauges', () => {
    expect(e.families.get('vllm:generation_tokens_total')?.type).toBe('counter');
    expect(value(e, 'vllm:generation_tokens_total')).toBe(38400);
    expect([...e.families.keys()].filter((name) => name.endsWith('_created'))).toEqual([]);
    expect(e.samples.filter((s) => s.name.endsWith('_created'))).toEqual([]);
  });

  it('reads a histogram whose name ends in _total as a histogram (vllm:iteration_tokens_total)', () => {
    expect(e.families.get('vllm:iteration_tokens_total')?.type).toBe('histogram');
    expect(familyOf(e, 'vllm:iteration_tokens_total_bucket')).toBe('vllm:iteration_tokens_total');
    expect(value(e, 'vllm:iteration_tokens_total_count')).toBe(6);
  });

  it('keeps labels, le last as prometheus_client writes it', () => {
    const buckets = e.samples.filter((s) => s.name === 'vllm:time_to_first_token_seconds_bucket');
    expect(buckets).toHaveLength(23);
    expect(buckets.at(-1)).toMatchObject({ labels: { model_name: 'Qwen/Qwen2.5-7B-Instruct', engine: '0', le: '+Inf' }, value: 160 });
    expect(value(e, 'vllm:request_success_total', { finished_reason: 'stop' })).toBe(158);
  });
});

describe('vLLM, OpenMetrics', () => {
  const e = parseExposition(fixture('vllm-openmetrics.txt'));

  it('puts _total samples in their counter family and drops _created samples', () => {
    expect(e.invalidLines).toBe(0);
    expect(e.families.get('vllm:generation_tokens')?.type).toBe('counter');
    expect(familyOf(e, 'vllm:generation_tokens_total')).toBe('vllm:generation_tokens');
    expect(value(e, 'vllm:generation_tokens_total')).toBe(27453);
    expect(e.samples.some((s) => s.name.endsWith('_created'))).toBe(false);
  });

  it('reads info metrics, units, an exemplar after a value, and # EOF', () => {
    expect(familyOf(e, 'vllm:cache_config_info')).toBe('vllm:cache_config');
    expect(e.families.get('vllm:cache_config')?.type).toBe('info');
    expect(e.families.get('vllm:e2e_request_latency_seconds')?.unit).toBe('seconds');
    expect(value(e, 'vllm:time_to_first_token_seconds_bucket', { le: '0.06' })).toBe(123);
    expect(e.eof).toBe(true);
  });

  it('ignores anything after # EOF', () => {
    const after = parseExposition(`${fixture('vllm-openmetrics.txt')}garbage line\nvllm:late 1\n`);
    expect(after.invalidLines).toBe(0);
    expect(value(after, 'vllm:late')).toBeUndefined();
  });
});

describe('SGLang (multiprocess prometheus_client)', () => {
  const e = parseExposition(fixture('sglang.prom'));

  it('reads le-first label sets and Go-style exponents', () => {
    expect(e.invalidLines).toBe(0);
    expect(value(e, 'sglang:prompt_tokens_total')).toBe(8128902);
    expect(value(e, 'sglang:time_to_first_token_seconds_bucket', { le: '+Inf' })).toBe(11008);
    expect(value(e, 'sglang:func_latency_seconds_bucket', { le: '0.07500000000000001', name: 'generate_request' })).toBe(14006);
    expect(value(e, 'sglang:num_queue_reqs')).toBe(2826);
  });
});

describe('TGI (metrics-exporter-prometheus)', () => {
  const e = parseExposition(fixture('tgi.prom'));

  it('reads counters without _total, blank lines, and the 1024-bucket batch histogram', () => {
    expect(e.invalidLines).toBe(0);
    expect(e.families.get('tgi_request_count')?.type).toBe('counter');
    expect(value(e, 'tgi_request_count')).toBe(212);
    expect(value(e, 'tgi_batch_inference_count', { method: 'decode' })).toBe(26110);
    expect(e.samples.filter((s) => s.name === 'tgi_batch_next_size_bucket')).toHaveLength(1025);
    expect(value(e, 'tgi_request_duration_bucket', { le: '0.00015000000000000001' })).toBe(0);
  });

  it('reads a summary (a histogram TGI gives no buckets)', () => {
    expect(e.families.get('tgi_request_skipped_tokens')?.type).toBe('summary');
    expect(value(e, 'tgi_request_skipped_tokens', { quantile: '0.99' })).toBe(0);
    expect(value(e, 'tgi_request_skipped_tokens_count')).toBe(5);
  });
});

describe('llama.cpp (llama-server --metrics)', () => {
  it('reads its counters, declared with their _total names, and gauges', () => {
    const e = parseExposition(fixture('llamacpp.prom'));
    expect(e.invalidLines).toBe(0);
    expect(e.samples).toHaveLength(11);
    expect(e.families.get('llamacpp:tokens_predicted_total')?.type).toBe('counter');
    expect(value(e, 'llamacpp:requests_processing')).toBe(4);
    expect(value(e, 'llamacpp:predicted_tokens_seconds')).toBe(33.6147);
  });
});

describe('incremental parsing', () => {
  const canonical = (e: Exposition) => JSON.stringify({ ...e, families: [...e.families] });

  it('gives the same result for every split point of a page', () => {
    const text = fixture('vllm-openmetrics.txt');
    const whole = canonical(parseExposition(text));
    const parser = createExpositionParser();
    for (let at = 0; at <= text.length; at += 7) {
      parser.feed(text.slice(0, at));
      parser.feed(text.slice(at));
      expect(canonical(parser.end())).toBe(whole);
    }
  });

  it('gives the same result for random chunk sizes, down to one character', () => {
    const rng = createRng(7);
    for (const name of ['vllm-after.prom', 'sglang.prom', 'tgi.prom', 'llamacpp.prom']) {
      const text = fixture(name);
      const parser = createExpositionParser();
      for (let at = 0; at < text.length; ) {
        const size = 1 + Math.floor(rng() * 300);
        parser.feed(text.slice(at, at + size));
        at += size;
      }
      expect(canonical(parser.end())).toBe(canonical(parseExposition(text)));
    }
  });

  it('reads a last line without a newline, and CRLF line ends', () => {
    const e = parseExposition('# TYPE a gauge\r\na 1\r\nb{x="y"} 2');
    expect(e.samples.map((s) => [s.name, s.value])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });
});

describe('lines', () => {
  it('unescapes label values and HELP text', () => {
    const e = parseExposition('# HELP m a \\\\ b\\nc\n# TYPE m gauge\nm{path="C:\\\\DIR\\\\F.TXT",err="say \\"hi\\"\\n"} 1\n');
    expect(e.families.get('m')?.help).toBe('a \\ b\nc');
    expect(e.samples[0]!.labels).toEqual({ path: 'C:\\DIR\\F.TXT', err: 'say "hi"\n' });
  });

  it('reads special values, timestamps, a trailing comma and spaces in label sets', () => {
    expect(parseSampleLine('a +Inf')).toMatchObject({ value: Infinity });
    expect(parseSampleLine('a -Inf 1395066363000')).toMatchObject({ value: -Infinity });
    expect((parseSampleLine('a NaN') as { value: number }).value).toBeNaN();
    expect(parseSampleLine('jvm_gc{gc="Copy",} 104.0')).toEqual({ name: 'jvm_gc', labels: { gc: 'Copy' }, value: 104 });
    expect(parseSampleLine('a { x = "1" , y="2" } 3')).toEqual({ name: 'a', labels: { x: '1', y: '2' }, value: 3 });
  });

  it('reads UTF-8 metric names quoted inside the braces (OpenMetrics 2.0)', () => {
    expect(parseSampleLine('{"http.server.duration", method="GET"} 2')).toEqual({ name: 'http.server.duration', labels: { method: 'GET' }, value: 2 });
  });

  it('names what is wrong with a bad line', () => {
    expect(parseSampleLine('<!doctype html>')).toBe('not a metric name');
    expect(parseSampleLine('a{x="1"')).toBe('unterminated label set');
    expect(parseSampleLine('a{x=1} 2')).toBe('label "x" value is not quoted');
    expect(parseSampleLine('a 12abc')).toBe('bad value "12abc"');
    expect(parseSampleLine('a')).toBe('no space before the value');
  });

  it('counts invalid lines, keeps the valid ones, and names the first bad line', () => {
    const e = parseExposition('a 1\nthis is not\nb 2\n<html>\n');
    expect(e.samples).toHaveLength(2);
    expect(e.invalidLines).toBe(2);
    expect(e.firstInvalid).toEqual({ line: 2, reason: 'bad value "is"', text: 'this is not' });
  });

  it('skips a line too long to be metrics without holding it in memory', () => {
    const parser = createExpositionParser();
    parser.feed('a 1\n');
    for (let i = 0; i < 4; i++) parser.feed('x'.repeat(MAX_LINE_CHARS / 2));
    parser.feed('still the same line\nb 2\n');
    const e = parser.end();
    expect(e.samples.map((s) => s.name)).toEqual(['a', 'b']);
    expect(e.invalidLines).toBe(1);
    expect(e.firstInvalid?.line).toBe(2);
  });
});

describe('prometheus_client 0.26 (what vLLM and SGLang are built on), captured from a live server', () => {
  it('text format: colon names kept, _created families dropped', () => {
    const e = parseExposition(fixture('prometheus-client-text.prom'));
    expect(e.invalidLines).toBe(0);
    expect(e.families.get('vllm:num_requests_running')?.type).toBe('gauge');
    expect(e.families.get('vllm:generation_tokens_total')?.type).toBe('counter');
    expect(familyOf(e, 'vllm:time_to_first_token_seconds_bucket')).toBe('vllm:time_to_first_token_seconds');
    expect(e.samples.some((s) => s.name.endsWith('_created'))).toBe(false);
  });

  it('OpenMetrics with escaping=underscores: samples written vllm_… are read under their declared vllm:… names', () => {
    const e = parseExposition(fixture('prometheus-client-escaped.txt'));
    expect(e.invalidLines).toBe(0);
    expect(e.eof).toBe(true);
    expect(familyOf(e, 'vllm:num_requests_running')).toBe('vllm:num_requests_running');
    expect(familyOf(e, 'vllm:prompt_tokens_total')).toBe('vllm:prompt_tokens');
    expect(familyOf(e, 'vllm:time_to_first_token_seconds_bucket')).toBe('vllm:time_to_first_token_seconds');
    expect(e.samples.filter((s) => s.name.startsWith('vllm_'))).toEqual([]);
    expect(e.samples.some((s) => s.name.endsWith('_created'))).toBe(false);
    expect(familyOf(e, 'python_gc_objects_collected_total')).toBe('python_gc_objects_collected');
  });
});
