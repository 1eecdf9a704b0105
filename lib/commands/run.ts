/**
 * `run`: the load test, as a testable function. The script (scripts/run.ts)
 * only wires process signals and exit codes to it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { access, constants, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ArgsDef } from 'citty';
import { optionalNumber, optionalString, parseStrict } from '../cli.ts';
import { isSimulatedUrl, resolveConfig, type Config, type ConfigOverrides } from '../config.ts';
import { UsageError } from '../errors.ts';
import { renderAsciiHistogram } from '../ascii-histogram.ts';
import { shouldColor } from '../color.ts';
import { renderHtmlReport } from '../html-report.ts';
import { parseSloFlag } from '../goodput.ts';
import { labels, type Lang } from '../i18n.ts';
import { runConfiguredLoad } from '../load.ts';
import { describeLoadShape, loadShapeFromConfig } from '../load-shape.ts';
import { ttft } from '../metrics.ts';
import { createProgress } from '../progress.ts';
import type { PrepareOptions, Protocol } from '../protocols/protocol.ts';
import { PROTOCOL_NAMES, resolveProtocol, type ProtocolChoice } from '../protocols/registry.ts';
import { collectSecrets, createRedactor, redactSecretFields, type Redactor } from '../redact.ts';
import { renderReport } from '../report.ts';
import { buildResults, writeFileAtomic } from '../results.ts';
import { startSimProcess, type SimProcess } from '../sim-process.ts';
import { parseSweepFlag } from '../sweep.ts';
import { renderSweepChart } from '../sweep-chart.ts';
import { renderSweepTable } from '../sweep-table.ts';
import { applyTokenizer, TOKENIZERS } from '../tokenizer.ts';
import { fetchTransport, warmFetch } from '../transport-fetch.ts';
import type { RequestRecord } from '../record.ts';
import type { TransportRequest } from '../transport.ts';
import { VERSION } from '../version.ts';

export const runArgs = {
  config: { type: 'string', alias: 'c', description: 'config file (default: ./config.json when present and no --url)' },
  url: { type: 'string', alias: 'u', description: 'endpoint URL (http/https, or sim:// for the built-in simulator)' },
  requests: { type: 'string', alias: 'n', description: 'total requests (default 100)' },
  concurrency: { type: 'string', alias: 'p', description: 'requests in flight at once (default 10)' },
  header: { type: 'string', alias: 'H', description: 'request header "Name: value" (repeatable)' },
  body: { type: 'string', alias: 'd', description: 'request body: JSON, or @file.json' },
  method: { type: 'string', alias: 'm', description: 'HTTP method (default POST)' },
  timeout: { type: 'string', alias: 't', description: 'per-request timeout in seconds (default 300)' },
  model: { type: 'string', description: 'sets body.model (on the config body, -d body or the default body)' },
  protocol: { type: 'string', description: `stream protocol: auto (default), ${PROTOCOL_NAMES.join(', ')}` },
  tokenizer: { type: 'string', description: `estimate output tokens when the server reports no usage: ${TOKENIZERS.join(', ')}` },
  output: { type: 'string', alias: 'o', description: 'results file (default results/<timestamp>.json)' },
  html: { type: 'string', description: 'also write a self-contained HTML report (default: the results path with .html)' },
  quiet: { type: 'boolean', alias: 'q', description: 'no per-request lines' },
  lang: { type: 'string', description: 'report language: en (default) or zh' },
  debug: { type: 'boolean', description: 'show stack traces' },
  // Load shapes (README "Load shapes").
  rate: { type: 'string', description: 'open loop: requests per second (default: closed loop at --concurrency)' },
  arrival: { type: 'string', description: 'open-loop arrivals: poisson (default), constant, gamma' },
  burstiness: { type: 'string', description: 'gamma shape: 1 = Poisson, <1 burstier, >1 more even (implies gamma)' },
  seed: { type: 'string', description: 'seed of the arrival schedule (default: random, recorded in results)' },
  'max-concurrency': { type: 'string', description: 'open loop: at most N in flight; the wait shows as send lag' },
  duration: { type: 'string', description: 'send for this long (60s, 5m) instead of a request count' },
  grace: { type: 'string', description: 'after --duration, time for in-flight requests before abort (default 30s)' },
  warmup: { type: 'string', description: 'warm-up: N requests or a time (10s); kept in results, left out of stats' },
  'ramp-up': { type: 'string', description: 'concurrency (from 1) or rate (from 0) rises linearly over this time' },
  sweep: { type: 'string', description: 'run several levels: concurrency=1,2,4,8 or rate=1,2,5,10' },
  'sweep-max-error-rate': { type: 'string', description: 'stop a sweep after a level above this error rate, 0..1 (default 0.1)' },
  'sweep-max-ttft-p99': { type: 'string', description: 'stop a sweep after a level above this TTFT p99 (seconds)' },
  slo: { type: 'string', description: 'goodput SLOs, seconds: ttft=0.5,tpot=0.05,e2e=10' },
} as const satisfies ArgsDef;

const REPEATABLE = ['header'] as const;
/** Flags that may be given without a value. */
const OPTIONAL_VALUE = ['html'] as const;

export interface RunIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborting it stops the run; the reason should be 'SIGINT' or 'SIGTERM'. */
  signal?: AbortSignal;
}

export const EXIT = { ok: 0, failed: 1, usage: 2, SIGINT: 130, SIGTERM: 143 } as const;

/** Runs a load test from CLI arguments; returns the process exit code. */
export async function runRun(rawArgs: string[], io: RunIO): Promise<number> {
  const debug = rawArgs.includes('--debug');
  let sim: SimProcess | undefined;
  let redactor: Redactor = createRedactor();
  try {
    const { values } = parseStrict(rawArgs, runArgs, REPEATABLE, OPTIONAL_VALUE);
    const flags = flagsToOverrides(values, io.cwd);
    const loaded = await resolveConfig({
      configPath: optionalString(values.config),
      defaultConfigPath: 'config.json',
      flags,
      env: io.env,
      cwd: io.cwd,
      fileExists: existsSync,
    });
    const { config } = loaded;
    redactor = createRedactor(loaded.expandedValues);
    collectSecrets(redactor, config.headers, config.url);

    const outputPath = resolve(io.cwd, config.output ?? defaultOutputPath());
    await assertWritableFolder(dirname(outputPath));
    const htmlPath = htmlOutputPath(values.html, outputPath, io.cwd);
    if (htmlPath) await assertWritableFolder(dirname(htmlPath));

    const { shape, seedChosen, notes } = loadShapeFromConfig(config);
    for (const note of notes) io.stderr.write(note + '\n');

    let targetUrl = config.url;
    if (isSimulatedUrl(config.url)) {
      sim = await startSimProcess({
        ttftMs: config.simulator.ttft_ms,
        itlMs: config.simulator.itl_ms,
        tokens: config.simulator.tokens,
        jitter: config.simulator.jitter,
        reasoningTokens: config.simulator.reasoning_tokens,
        seed: config.simulator.seed,
      });
      const path = new URL(config.url);
      targetUrl = sim.url + path.pathname + path.search;
      io.stderr.write(`using the built-in simulated endpoint at ${targetUrl}\n`);
    }

    const choice = resolveProtocol(config.protocol, targetUrl);
    // The body actually sent (before protocol adjustments), recorded in the results as the config's body.
    const body = requestBody(config, targetUrl, choice.protocol, optionalString(values.model));
    const request = buildStaticRequest(config, targetUrl, body, choice.protocol);
    const lang = config.lang as Lang;
    io.stderr.write(
      `${config.method} ${redactor.text(targetUrl)} | ${describeLoadShape(shape, config.sweep)} | protocol ${describeChoice(choice)} | transport ${config.transport}\n`,
    );

    await warmFetch();
    const load = await runConfiguredLoad({
      shape,
      sweep: config.sweep,
      slo: config.slo,
      target: {
        buildRequest: () => request,
        context: {
          transport: fetchTransport,
          protocol: choice.protocol,
          timeoutMs: config.timeout * 1000,
          collectText: config.tokenizer !== undefined,
        },
      },
      signal: io.signal,
      progress: (planned) =>
        createProgress({
          stream: io.stderr,
          ...planned,
          quiet: config.quiet,
          lang,
          redact: redactor.text,
          color: shouldColor(io.stderr, io.env),
        }),
      // Counted after each load, never while requests are in flight.
      afterLoad: config.tokenizer ? (records) => applyTokenizer(records, config.tokenizer!) : undefined,
      log: (line) => io.stderr.write(line + '\n'),
    });
    const { summary } = load;
    if (load.sweep) {
      io.stdout.write(renderSweepTable(load.sweep, { lang }) + '\n' + renderSweepChart(load.sweep, { lang }));
    } else {
      io.stdout.write(renderReport(summary, { lang, interrupted: load.interrupted }));
      const ttfts = load.records.filter((r) => !r.warmup).map(ttft).filter((value): value is number => value !== undefined);
      const chart = renderAsciiHistogram(ttfts, { title: labels(lang).histogramTitle });
      if (chart) io.stdout.write('\n' + chart);
    }

    const results = buildResults({
      config: redactSecretFields(publicConfig({ ...config, body, ...(seedChosen ? { seed: shape.seed } : {}) })),
      startedAt: load.startedAt,
      protocol: choice.protocol?.name ?? `auto:${detectedNames(load.records)}`,
      transport: config.transport,
      interrupted: load.interrupted,
      version: VERSION,
      summary,
      records: load.records,
      sweep: load.sweep,
    });
    const redacted = redactor.value(results);
    await writeFileAtomic(outputPath, JSON.stringify(redacted) + '\n');
    io.stderr.write(`results written to ${outputPath}\n`);
    if (htmlPath) {
      await writeFileAtomic(htmlPath, renderHtmlReport(redacted, { lang: config.lang as Lang }));
      io.stderr.write(`HTML report written to ${htmlPath}\n`);
    }

    if (load.interrupted) return io.signal?.reason === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT;
    return EXIT.ok;
  } catch (error) {
    const message = redactor.text(error instanceof Error ? error.message : String(error));
    io.stderr.write(`error: ${message}\n`);
    if (debug && error instanceof Error && error.stack) io.stderr.write(redactor.text(error.stack) + '\n');
    return EXIT.usage;
  } finally {
    await sim?.stop();
  }
}

function flagsToOverrides(values: Record<string, unknown>, cwd: string): ConfigOverrides {
  const overrides: ConfigOverrides = {
    url: optionalString(values.url),
    total_requests: optionalNumber(values.requests, '--requests'),
    concurrency: optionalNumber(values.concurrency, '--concurrency'),
    method: optionalString(values.method),
    timeout: optionalNumber(values.timeout, '--timeout'),
    output: optionalString(values.output),
    lang: optionalString(values.lang),
    protocol: optionalString(values.protocol),
    tokenizer: optionalString(values.tokenizer),
    quiet: values.quiet === true ? true : undefined,
    rate: optionalNumber(values.rate, '--rate'),
    arrival: optionalString(values.arrival),
    burstiness: optionalNumber(values.burstiness, '--burstiness'),
    seed: optionalNumber(values.seed, '--seed'),
    max_concurrency: optionalNumber(values['max-concurrency'], '--max-concurrency'),
    duration: optionalString(values.duration),
    grace: optionalString(values.grace),
    ramp_up: optionalString(values['ramp-up']),
    // A bare number is a request count; with a unit ("10s") it is a time.
    warmup: typeof values.warmup === 'string' && /^\s*\d+\s*$/.test(values.warmup) ? Number(values.warmup) : optionalString(values.warmup),
    slo: typeof values.slo === 'string' ? parseSloFlag(values.slo) : undefined,
  };
  const sweep: Record<string, unknown> = typeof values.sweep === 'string' ? parseSweepFlag(values.sweep) : {};
  const maxErrorRate = optionalNumber(values['sweep-max-error-rate'], '--sweep-max-error-rate');
  if (maxErrorRate !== undefined) sweep.max_error_rate = maxErrorRate;
  const maxTtft = optionalString(values['sweep-max-ttft-p99']);
  if (maxTtft !== undefined) sweep.max_ttft_p99 = maxTtft;
  if (Object.keys(sweep).length > 0) overrides.sweep = sweep;
  if (Array.isArray(values.header)) overrides.headers = parseHeaderFlags(values.header as string[]);
  if (typeof values.body === 'string') overrides.body = parseBodyFlag(values.body, cwd);
  return overrides;
}

export function parseHeaderFlags(items: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const item of items) {
    const colon = item.indexOf(':');
    const name = colon > 0 ? item.slice(0, colon).trim() : '';
    if (!name || /\s/.test(name)) {
      throw new UsageError(`malformed header ${JSON.stringify(item.replace(/:.*/, ': …'))}: expected "Name: value"`);
    }
    headers[name] = item.slice(colon + 1).trim();
  }
  return headers;
}

function parseBodyFlag(value: string, cwd: string): unknown {
  let text = value;
  let source = '--body';
  if (value.startsWith('@')) {
    source = value.slice(1);
    try {
      text = readFileSync(resolve(cwd, source), 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read body file ${source}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The body when neither the config nor a flag gives one and the protocol has no default of its own. */
export const DEFAULT_BODY = {
  messages: [{ role: 'user', content: 'Write a short essay about artificial intelligence.' }],
  stream: true,
  max_tokens: 256,
};

/** The configured body, else -d, else the protocol's default; --model set on it. */
function requestBody(config: Config, url: string, protocol: Protocol | undefined, model: string | undefined): unknown {
  if (config.method === 'GET' || config.method === 'HEAD') return undefined;
  const body = config.body !== undefined ? config.body : (protocol?.defaultBody?.(new URL(url)) ?? DEFAULT_BODY);
  if (model === undefined) return body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new UsageError('--model needs a JSON object body');
  return { ...body, model };
}

function buildStaticRequest(config: Config, url: string, body: unknown, protocol: Protocol | undefined): TransportRequest {
  const headers: Record<string, string> = { ...config.headers };
  const hasHeader = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);
  let text: string | undefined;
  if (body !== undefined) {
    // Only a known protocol may adjust the body: an unknown endpoint gets exactly what was configured.
    const options: PrepareOptions = { includeUsage: config.include_usage };
    const value = protocol?.prepareBody ? protocol.prepareBody(body, options) : body;
    text = typeof value === 'string' ? value : JSON.stringify(value);
    if (!hasHeader('content-type')) headers['Content-Type'] = 'application/json';
  }
  if (!hasHeader('accept')) headers.Accept = 'text/event-stream, application/x-ndjson, */*';
  return { url, method: config.method, headers, body: text };
}

function describeChoice(choice: ProtocolChoice): string {
  if (!choice.protocol) return 'auto (picked per response by content-type)';
  return choice.how === 'path' ? `${choice.protocol.name} (from the URL path)` : choice.protocol.name;
}

/** The protocols content-type detection picked, e.g. "openai-chat" or "ollama+raw". */
function detectedNames(records: readonly RequestRecord[]): string {
  const names = [...new Set(records.map((r) => r.protocol).filter((name): name is string => name !== undefined))];
  return names.length > 0 ? names.sort().join('+') : 'none';
}

/** The config as recorded in results: run settings only, secrets redacted later. */
function publicConfig(config: Config): Record<string, unknown> & { url: string; concurrency: number; total_requests: number } {
  return { ...config } as Record<string, unknown> & Config;
}

/** `--html FILE` as given; bare `--html`: next to the results file, with .html. */
function htmlOutputPath(flag: unknown, outputPath: string, cwd: string): string | undefined {
  if (typeof flag === 'string') return resolve(cwd, flag);
  if (flag !== true) return undefined;
  return outputPath.endsWith('.json') ? `${outputPath.slice(0, -'.json'.length)}.html` : `${outputPath}.html`;
}

function defaultOutputPath(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return `results/${stamp}.json`;
}

async function assertWritableFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
    await access(folder, constants.W_OK);
  } catch (error) {
    throw new UsageError(`output folder ${folder} is not writable: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
