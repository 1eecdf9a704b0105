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
import type { Lang } from '../i18n.ts';
import { parseSloFlag } from '../goodput.ts';
import { runConfiguredLoad } from '../load.ts';
import { describeLoadShape, loadShapeFromConfig } from '../load-shape.ts';
import { createProgress } from '../progress.ts';
import { resolveProtocol } from '../protocols/registry.ts';
import { collectSecrets, createRedactor, redactSecretFields, type Redactor } from '../redact.ts';
import { renderReport } from '../report.ts';
import { buildResults, writeFileAtomic } from '../results.ts';
import { startSimProcess, type SimProcess } from '../sim-process.ts';
import { parseSweepFlag } from '../sweep.ts';
import { renderSweepChart } from '../sweep-chart.ts';
import { renderSweepTable } from '../sweep-table.ts';
import { fetchTransport, warmFetch } from '../transport-fetch.ts';
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
  model: { type: 'string', description: 'sets body.model' },
  protocol: { type: 'string', description: 'stream protocol: auto (default), openai-chat, raw' },
  output: { type: 'string', alias: 'o', description: 'results file (default results/<timestamp>.json)' },
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

export interface RunIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
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
    const { values } = parseStrict(rawArgs, runArgs, REPEATABLE);
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

    const { shape, seedChosen, notes } = loadShapeFromConfig(config);
    for (const note of notes) io.stderr.write(note + '\n');

    let targetUrl = config.url;
    if (isSimulatedUrl(config.url)) {
      sim = await startSimProcess({
        ttftMs: config.simulator.ttft_ms,
        itlMs: config.simulator.itl_ms,
        tokens: config.simulator.tokens,
        jitter: config.simulator.jitter,
        seed: config.simulator.seed,
      });
      const path = new URL(config.url);
      targetUrl = sim.url + path.pathname + path.search;
      io.stderr.write(`using the built-in simulated endpoint at ${targetUrl}\n`);
    }

    const protocol = resolveProtocol(config.protocol, targetUrl);
    const request = buildStaticRequest(config, targetUrl, protocol.prepareBody);
    const lang = config.lang as Lang;
    io.stderr.write(
      `${config.method} ${redactor.text(targetUrl)} | ${describeLoadShape(shape, config.sweep)} | protocol ${protocol.name} | transport ${config.transport}\n`,
    );

    await warmFetch();
    const load = await runConfiguredLoad({
      shape,
      sweep: config.sweep,
      slo: config.slo,
      target: {
        buildRequest: () => request,
        context: { transport: fetchTransport, protocol, timeoutMs: config.timeout * 1000 },
      },
      signal: io.signal,
      progress: (requests) =>
        createProgress({ stream: io.stderr, total: requests, quiet: config.quiet, lang, redact: redactor.text }),
      log: (line) => io.stderr.write(line + '\n'),
    });
    const { summary } = load;
    io.stdout.write(
      load.sweep
        ? renderSweepTable(load.sweep, { lang }) + '\n' + renderSweepChart(load.sweep, { lang })
        : renderReport(summary, { lang, interrupted: load.interrupted }),
    );

    const results = buildResults({
      config: redactSecretFields(publicConfig(seedChosen ? { ...config, seed: shape.seed } : config)),
      startedAt: load.startedAt,
      protocol: protocol.name,
      transport: config.transport,
      interrupted: load.interrupted,
      version: VERSION,
      summary,
      records: load.records,
      sweep: load.sweep,
    });
    await writeFileAtomic(outputPath, JSON.stringify(redactor.value(results)) + '\n');
    io.stderr.write(`results written to ${outputPath}\n`);

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
  if (typeof values.model === 'string') {
    overrides.body = { ...(overrides.body as object | undefined), model: values.model };
  }
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

/** The default chat body when neither the config nor a flag gives one. */
export const DEFAULT_BODY = {
  messages: [{ role: 'user', content: 'Write a short essay about artificial intelligence.' }],
  stream: true,
  max_tokens: 256,
};

function buildStaticRequest(
  config: Config,
  url: string,
  prepareBody: ((body: unknown) => unknown) | undefined,
): TransportRequest {
  const headers: Record<string, string> = { ...config.headers };
  const hasHeader = (name: string) => Object.keys(headers).some((key) => key.toLowerCase() === name);
  let body: string | undefined;
  if (config.method !== 'GET' && config.method !== 'HEAD') {
    let value: unknown = config.body === undefined ? DEFAULT_BODY : config.body;
    if (prepareBody) value = prepareBody(value);
    body = typeof value === 'string' ? value : JSON.stringify(value);
    if (!hasHeader('content-type')) headers['Content-Type'] = 'application/json';
  }
  if (!hasHeader('accept')) headers.Accept = 'text/event-stream, application/x-ndjson, */*';
  return { url, method: config.method, headers, body };
}

/** The config as recorded in results: run settings only, secrets redacted later. */
function publicConfig(config: Config): Record<string, unknown> & { url: string; concurrency: number; total_requests: number } {
  return { ...config } as Record<string, unknown> & Config;
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
