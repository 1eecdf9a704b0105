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
import { createProgress } from '../progress.ts';
import { resolveProtocol } from '../protocols/registry.ts';
import { collectSecrets, createRedactor, redactSecretFields, type Redactor } from '../redact.ts';
import { renderReport } from '../report.ts';
import { buildResults, writeFileAtomic, type ShardResult } from '../results.ts';
import { runClosedLoop } from '../runner.ts';
import { globalIndex, parseShard, planShard, type ShardSpec } from '../shard.ts';
import { startSimProcess, type SimProcess } from '../sim-process.ts';
import { parseStartAt, waitUntil } from '../start-at.ts';
import { summarize } from '../summary.ts';
import { fetchTransport } from '../transport-fetch.ts';
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
  output: { type: 'string', alias: 'o', description: 'results file (default results/<timestamp>.json); "-" prints it to stdout as one JSON line' },
  shard: { type: 'string', description: 'i/N: run shard i (0-based) of N, sending every N-th request and 1/N of the concurrency' },
  'start-at': { type: 'string', description: 'ISO time with a zone (e.g. 2025-06-01T12:00:00Z): wait until then before sending' },
  quiet: { type: 'boolean', alias: 'q', description: 'no per-request lines' },
  lang: { type: 'string', description: 'report language: en (default) or zh' },
  debug: { type: 'boolean', description: 'show stack traces' },
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

/** `--output -`: the results go to stdout as one JSON line and the report to stderr. */
const STDOUT_OUTPUT = '-';

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

    const startAt = typeof values['start-at'] === 'string' ? parseStartAt(values['start-at']) : undefined;
    const toStdout = config.output === STDOUT_OUTPUT;
    const outputPath = toStdout ? undefined : resolve(io.cwd, config.output ?? defaultOutputPath());
    if (outputPath) await assertWritableFolder(dirname(outputPath));
    const reportStream = toStdout ? io.stderr : io.stdout;

    const shard = config.shard === undefined ? undefined : parseShard(config.shard);
    const share = shard ? planShard(config, shard) : { requests: config.total_requests, concurrency: config.concurrency };
    if (typeof share === 'string') throw new UsageError(`shard ${config.shard}: ${share}`);
    let concurrency = share.concurrency;
    if (concurrency > share.requests) {
      io.stderr.write(`note: concurrency ${concurrency} > requests ${share.requests}; using ${share.requests}\n`);
      concurrency = share.requests;
    }

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
    io.stderr.write(
      `${config.method} ${redactor.text(targetUrl)} | ${share.requests} requests | concurrency ${concurrency} | protocol ${protocol.name} | transport ${config.transport}${shard ? ` | shard ${shard.index}/${shard.count} of ${config.total_requests} requests, concurrency ${config.concurrency}` : ''}\n`,
    );

    if (startAt !== undefined) {
      const wait = await waitForStart(startAt, io);
      if (wait.aborted) return interruptedExit(io);
    }

    // Created after the wait, so its elapsed time starts with the load.
    const progress = createProgress({
      stream: io.stderr,
      total: share.requests,
      quiet: config.quiet,
      lang: config.lang as Lang,
      redact: redactor.text,
    });
    const load = await runClosedLoop(
      {
        total: share.requests,
        concurrency,
        requestIndex: shard ? (n) => globalIndex(n, shard) : undefined,
        buildRequest: () => request,
        context: { transport: fetchTransport, protocol, timeoutMs: config.timeout * 1000 },
      },
      { signal: io.signal, onStart: progress.onStart, onComplete: progress.onComplete },
    );
    progress.finish();

    const summary = summarize(load.records);
    reportStream.write(renderReport(summary, { lang: config.lang as Lang, interrupted: load.interrupted }));

    const results = buildResults({
      config: redactSecretFields(publicConfig(config)),
      startedAt: load.startedAt,
      protocol: protocol.name,
      transport: config.transport,
      interrupted: load.interrupted,
      version: VERSION,
      summary,
      records: load.records,
      startAt: startAt === undefined ? undefined : new Date(startAt),
      shard: shard && shardResult(shard, load.startedAt, startAt),
    });
    const text = JSON.stringify(redactor.value(results)) + '\n';
    if (outputPath) {
      await writeFileAtomic(outputPath, text);
      io.stderr.write(`results written to ${outputPath}\n`);
    } else {
      io.stdout.write(text);
    }

    if (load.interrupted) return interruptedExit(io);
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
    shard: optionalString(values.shard),
  };
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

function interruptedExit(io: RunIO): number {
  return io.signal?.reason === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT;
}

async function waitForStart(startAt: number, io: RunIO): Promise<{ aborted: boolean }> {
  const iso = new Date(startAt).toISOString();
  const aheadMs = startAt - Date.now();
  if (aheadMs > 0) io.stderr.write(`waiting until ${iso} (in ${(aheadMs / 1000).toFixed(1)} s) for the common start\n`);
  const wait = await waitUntil(startAt, undefined, io.signal);
  if (wait.pastByMs > 0) io.stderr.write(`note: --start-at ${iso} was already ${(wait.pastByMs / 1000).toFixed(1)} s past; starting now\n`);
  if (wait.aborted) io.stderr.write('interrupted before the start: nothing was sent, no results written\n');
  return wait;
}

function shardResult(shard: ShardSpec, startedAt: Date, startAt: number | undefined): ShardResult {
  const result: ShardResult = { index: shard.index, count: shard.count };
  if (startAt !== undefined) result.clock_offset_ms = startedAt.getTime() - startAt;
  return result;
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
