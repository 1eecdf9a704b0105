/**
 * `run`: the load test, as a testable function. The script (scripts/run.ts)
 * only wires process signals and exit codes to it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { access, constants, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ArgsDef } from 'citty';
import { EXIT, optionalNumber, optionalString, parseStrict, reportCommandError, type CommandIO } from '../cli.ts';
import { isSimulatedUrl, parseJsonWithPosition, resolveConfig, type Config, type ConfigOverrides } from '../config.ts';
import type { Dataset } from '../dataset.ts';
import { UsageError } from '../errors.ts';
import { renderAsciiHistogram } from '../ascii-histogram.ts';
import { shouldColor } from '../color.ts';
import { parseSloFlag } from '../goodput.ts';
import { summarizeGroups } from '../groups.ts';
import { renderHtmlReport } from '../html-report.ts';
import { labels, type Lang } from '../i18n.ts';
import { journalPathFor, openJournal, type Journal } from '../journal.ts';
import { runConfiguredLoad } from '../load.ts';
import { describeLoadShape, loadShapeFromConfig, peakInFlight, type LoadShape } from '../load-shape.ts';
import { openFileLimitProblem, readOpenFileLimit } from '../open-file-limit.ts';
import { createProgress } from '../progress.ts';
import { PROTOCOL_NAMES, resolveProtocol, type ProtocolChoice } from '../protocols/registry.ts';
import { collectSecrets, createRedactor, redactSecretFields, type Redactor } from '../redact.ts';
import { renderReport } from '../report.ts';
import { createRequestPlan, loadRequestData, requestBody } from '../request-plan.ts';
import { buildResultsHead, recordsToRows, recordToRow, serializeResults, writeFileAtomic, type ShardResult } from '../results.ts';
import { directionWarning, parseThreshold } from '../rule.ts';
import { globalIndex, parseShard, shardLoadShape, type ShardSpec } from '../shard.ts';
import { startSimProcess, type SimProcess } from '../sim-process.ts';
import { parseStartAt, systemClock, waitUntil } from '../start-at.ts';
import { parseSweepFlag } from '../sweep.ts';
import { renderSweepChart } from '../sweep-chart.ts';
import { renderSweepTable } from '../sweep-table.ts';
import { checkThresholds, renderThresholds } from '../thresholds.ts';
import { applyTokenizer, TOKENIZERS } from '../tokenizer.ts';
import { freeCores } from '../cpu.ts';
import { startSelfCheck } from '../selfcheck.ts';
import { warmFetch } from '../transport-fetch.ts';
import { shouldPreconnect } from '../preconnect.ts';
import { describeProxy, readProxyEnv } from '../proxy-env.ts';
import { npmLogWarning } from '../npm-log-warning.ts';
import { createTransport } from '../create-transport.ts';
import { DEFAULT_TRANSPORT, TRANSPORT_NAMES, type Transport, type TransportName } from '../transport.ts';
import { runInWorkers } from '../workers.ts';
import type { Records } from '../record.ts';
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
  'idle-timeout': { type: 'string', description: 'longest allowed gap between body bytes, seconds (default: no limit)' },
  model: { type: 'string', description: 'sets body.model (on the config body, -d body or the default body)' },
  protocol: { type: 'string', description: `stream protocol: auto (default), ${PROTOCOL_NAMES.join(', ')}` },
  tokenizer: { type: 'string', description: `estimate output tokens when the server reports no usage: ${TOKENIZERS.join(', ')}` },
  transport: { type: 'string', description: 'HTTP client: undici (its dispatcher API, default) or fetch (web-standard, over the same pool)' },
  http2: { type: 'boolean', description: 'offer HTTP/2 to https:// servers (TLS ALPN); the server picks; recorded in the results' },
  preconnect: { type: 'boolean', description: 'open the connections before the clock starts (default: for https, and for more than 511 connections)' },
  'no-preconnect': { type: 'boolean', description: 'do not open the connections before the clock starts: the first requests then include TCP/TLS set-up' },
  workers: { type: 'string', description: 'worker threads driving the load: a number, or auto (one per free core); default 1' },
  output: { type: 'string', alias: 'o', description: 'results file (default results/<timestamp>.json); "-" prints it to stdout as one JSON line' },
  html: { type: 'string', description: 'also write a self-contained HTML report (default: the results path with .html)' },
  quiet: { type: 'boolean', alias: 'q', description: 'no per-request lines' },
  lang: { type: 'string', description: 'report language: en (default) or zh' },
  data: { type: 'string', description: 'data file (CSV or JSONL) whose rows fill {{placeholders}}, one row per request' },
  'data-encoding': { type: 'string', description: 'data file encoding: utf-8 (default), gbk, gb18030, big5, utf-16le, utf-16be' },
  'data-column': { type: 'string', description: 'a data column the request may use (repeatable; default: all)' },
  'group-by': { type: 'string', description: 'data column to report per group (count, TTFT P50/P95, tok/s)' },
  shuffle: { type: 'boolean', description: 'send the data rows in a random order (reproducible with --seed)' },
  seed: { type: 'string', description: 'seed for --shuffle and the open-loop arrival schedule (default: random, recorded in results)' },
  threshold: { type: 'string', description: 'absolute check such as "ttft.p99 < 1.5" (repeatable); any failure exits 1' },
  shard: { type: 'string', description: 'i/N: run shard i (0-based) of N, sending every N-th request and 1/N of the concurrency or rate' },
  'start-at': { type: 'string', description: 'ISO time with a zone (e.g. 2025-06-01T12:00:00Z): wait until then before sending' },
  debug: { type: 'boolean', description: 'show stack traces' },
  // Load shapes (README "Load shapes").
  rate: { type: 'string', description: 'open loop: requests per second (default: closed loop at --concurrency)' },
  arrival: { type: 'string', description: 'open-loop arrivals: poisson (default), constant, gamma' },
  burstiness: { type: 'string', description: 'gamma shape: 1 = Poisson, <1 burstier, >1 more even (implies gamma)' },
  'max-concurrency': { type: 'string', description: 'open loop: at most N in flight; the wait shows as send lag' },
  duration: { type: 'string', description: 'send for this long (60s, 5m) instead of a request count' },
  grace: { type: 'string', description: 'after --duration, time for in-flight requests before abort (default 30s)' },
  retries: { type: 'string', description: 'retry a failed request (connect, timeout before headers, 429, 5xx) up to N times; default 0' },
  'retry-backoff': { type: 'string', description: 'first retry backoff, doubled per retry, with jitter (default 500ms)' },
  'retry-max-wait': { type: 'string', description: 'longest wait before a retry, Retry-After included (default 30s)' },
  warmup: { type: 'string', description: 'warm-up: N requests or a time (10s); kept in results, left out of stats' },
  'ramp-up': { type: 'string', description: 'concurrency (from 1) or rate (from 0) rises linearly over this time' },
  sweep: { type: 'string', description: 'run several levels: concurrency=1,2,4,8 or rate=1,2,5,10' },
  'sweep-max-error-rate': { type: 'string', description: 'stop a sweep after a level above this error rate, 0..1 (default 0.1)' },
  'sweep-max-ttft-p99': { type: 'string', description: 'stop a sweep after a level above this TTFT p99 (seconds)' },
  slo: { type: 'string', description: 'goodput SLOs, seconds: ttft=0.5,tpot=0.05,e2e=10' },
} as const satisfies ArgsDef;

const REPEATABLE = ['header', 'data-column', 'threshold'] as const;
/** Flags that may be given without a value. */
const OPTIONAL_VALUE = ['html'] as const;

export interface RunIO extends CommandIO {
  stderr: CommandIO['stderr'] & { columns?: number };
  env: NodeJS.ProcessEnv;
  /** Aborting it stops the run; the reason should be 'SIGINT' or 'SIGTERM'. */
  signal?: AbortSignal;
}

// Kept importable from here for code written against the first version.
export { EXIT };

/** `--output -`: the results go to stdout as one JSON line and the report to stderr. */
const STDOUT_OUTPUT = '-';

/** Runs a load test from CLI arguments; returns the process exit code. */
export async function runRun(rawArgs: string[], io: RunIO): Promise<number> {
  // Known before parsing, so that a flag error can show its stack too.
  const debug = rawArgs.includes('--debug');
  let sim: SimProcess | undefined;
  let journal: Journal | undefined;
  let transport: Transport | undefined;
  let redactor: Redactor = createRedactor();
  // First of all, whatever comes next: npm (npx, npm run) has already logged its whole command line, a key typed into a flag included.
  const npmWarning = npmLogWarning(rawArgs, io.env);
  if (npmWarning) io.stderr.write(`warning: ${npmWarning}\n`);
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
    const thresholdRules = config.thresholds.map(parseThreshold);
    for (const rule of thresholdRules) {
      const warning = directionWarning(rule, false);
      if (warning) io.stderr.write(`warning: ${warning}\n`);
    }
    redactor = createRedactor(loaded.expandedValues);
    collectSecrets(redactor, config.headers, config.url, config.body);

    const startAt = typeof values['start-at'] === 'string' ? parseStartAt(values['start-at']) : undefined;
    const toStdout = config.output === STDOUT_OUTPUT;
    const outputPath = toStdout ? undefined : resolve(io.cwd, config.output ?? defaultOutputPath());
    if (outputPath) await assertWritableFile(outputPath, '--output');
    const reportStream = toStdout ? io.stderr : io.stdout;
    const htmlPath = htmlOutputPath(values.html, outputPath, io.cwd);
    if (htmlPath) await assertWritableFile(htmlPath, '--html');


    const { shape: runShape, notes } = loadShapeFromConfig(config);
    const shard = config.shard === undefined ? undefined : parseShard(config.shard);
    if (shard && config.sweep) {
      throw new UsageError(`shard ${config.shard}: a sweep runs its levels one after another in one process; shard one level instead`);
    }
    const split = shard ? shardLoadShape(runShape, shard) : runShape;
    if (typeof split === 'string') throw new UsageError(`shard ${config.shard}: ${split}`);
    const shape = split;

    // The protocol depends only on the URL's path, which the simulator keeps.
    const choice = resolveProtocol(config.protocol, config.url);
    // The body actually sent (before protocol adjustments), recorded in the results as the config's body.
    let body = requestBody(config, config.url, choice.protocol, optionalString(values.model));
    // Load and check the data before anything starts: bad data fails with no request sent.
    const data = await loadRequestData(config, body, loaded.baseDir, io.cwd);
    if (data) {
      body = data.body;
      io.stderr.write(describeData(data.dataset, data.seed) + '\n');
      if (data.placeholders.length === 0) {
        io.stderr.write('note: the request has no {{placeholders}}, so every request is the same despite the data file\n');
      }
    }
    for (const note of notes) io.stderr.write(note + '\n');

    const peak = peakInFlight(shape, config.sweep);
    const fileLimit = peak && readOpenFileLimit();
    const limitProblem = fileLimit && openFileLimitProblem(peak.count, fileLimit, peak.flag);
    if (limitProblem) throw new UsageError(limitProblem);

    // Created before the load: an output that cannot be written fails now, not after the run.
    const warn = (message: string) => io.stderr.write(`warning: ${redactor.text(message)}\n`);
    // With --output - there is no file to keep a journal beside.
    journal = outputPath === undefined ? undefined : openJournal(journalPathFor(outputPath), warn);
    const journalFile = journal;

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
      // Swap the origin textually: the path may hold {{placeholders}}, which URL parsing would escape.
      const { protocol: scheme, host } = new URL(config.url);
      targetUrl = sim.url + config.url.slice(`${scheme}//${host}`.length);
      io.stderr.write(`using the built-in simulated endpoint at ${targetUrl}\n`);
    }

    const plan = createRequestPlan(config, targetUrl, body, choice.protocol, data);
    const transportName = chosenTransport(config.transport, io);
    const lang = config.lang as Lang;
    const workers = await workerCount(config.workers, sim !== undefined, shape.concurrency);
    if (workers > 1) {
      const unsupported = workersUnsupported(shape, config.sweep !== undefined, shard !== undefined, data !== undefined);
      if (unsupported) throw new UsageError(`--workers ${workers}: ${unsupported}`);
    }
    io.stderr.write(
      `${config.method} ${redactor.text(targetUrl)} | ${describeLoadShape(shape, config.sweep)} | protocol ${describeChoice(choice)} | transport ${transportName}${config.http2 ? ' (HTTP/2 offered)' : ''}${workers > 1 ? ` | ${workers} workers` : ''}${shard ? ` | shard ${shard.index}/${shard.count} of (${describeLoadShape(runShape)})` : ''}\n`,
    );

    const transportOptions = {
      http2: config.http2,
      // The built-in endpoint is on this machine: never through a proxy.
      proxy: sim ? undefined : readProxyEnv(io.env),
      // A connection is part of its request: the request's --timeout bounds its set-up too.
      connectTimeoutMs: config.timeout * 1000,
    };
    // Sockets per origin: the most requests the run keeps in flight (no cap for an uncapped open loop).
    transport = createTransport(transportName, { ...transportOptions, connections: peak?.count ?? Infinity });
    if (transportName === 'fetch') await warmFetch();
    const proxy = transport.proxyFor?.(plan.buildRequest(0).url);
    if (proxy) {
      io.stderr.write(
        `proxy: requests go through ${redactor.text(describeProxy(proxy))} (from the HTTP(S)_PROXY environment): every time measured includes the proxy; NO_PROXY=${new URL(targetUrl).hostname} measures the server directly\n`,
      );
    }
    // A closed loop (or a capped open loop) holds a known number of connections: open them before the clock starts.
    const preconnect = proxy === undefined && peak !== undefined && Number.isFinite(peak.count) && shouldPreconnect(config.preconnect, targetUrl, peak.count);
    if (preconnect && transport.preconnect && workers === 1) {
      const began = performance.now();
      const opened = await transport.preconnect(plan.buildRequest(0).url, peak.count, io.signal);
      io.stderr.write(`preconnect: ${opened}/${peak.count} connections open in ${Math.round(performance.now() - began)} ms\n`);
    }
    // Last before the load: everything that takes time is done, so the shards start within a few ms of each other.
    if (startAt !== undefined) {
      const wait = await waitForStart(startAt, io);
      if (wait.aborted) return interruptedExit(io);
    }

    const selfCheck = startSelfCheck(workers);
    let workerDelays: number[] | undefined;
    const requestContext = {
      protocol: choice.protocol,
      timeoutMs: config.timeout * 1000,
      idleTimeoutMs: config.idle_timeout === undefined ? undefined : config.idle_timeout * 1000,
      collectText: config.tokenizer !== undefined,
    };
    const load = await runConfiguredLoad({
      shape,
      sweep: config.sweep,
      slo: config.slo,
      target: {
        buildRequest: plan.buildRequest,
        tagRecord: plan.tagRecord,
        requestIndex: shard ? (n) => globalIndex(n, shard) : undefined,
        context: { ...requestContext, transport, redact: redactor.text },
      },
      // --workers: the same closed loop, split across worker threads (a plain closed loop only, checked above).
      runLoad:
        workers > 1
          ? async (levelShape, target, hooks) => {
              const { protocol, ...shared } = requestContext;
              const workerPlan = {
                ...shared,
                total: levelShape.total,
                concurrency: levelShape.concurrency,
                retry: levelShape.retry,
                requests: [target.buildRequest(0)],
                protocol: protocol?.name,
                transport: transportName,
                transportOptions,
                secrets: redactor.secrets(),
                preconnect,
              };
              const result = await runInWorkers(workerPlan, workers, hooks);
              workerDelays = result.eventLoopDelaysMs;
              return result;
            }
          : undefined,
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
      // Journal first: once a request is reported anywhere, its line is on disk.
      onRecord: (record) => journalFile?.append(redactor.value(recordToRow(record))),
      // Counted after each load, never while requests are in flight.
      afterLoad: config.tokenizer ? (records) => applyTokenizer(records, config.tokenizer!) : undefined,
      log: (line) => io.stderr.write(line + '\n'),
    });
    const selfcheck = selfCheck.stop(workerDelays);
    journal?.close();

    const { summary, samples } = load;
    if (load.sweep) {
      reportStream.write(renderSweepTable(load.sweep, { lang }) + '\n' + renderSweepChart(load.sweep, { lang }));
    } else {
      const groups = config.group_by !== undefined ? { by: config.group_by, rows: summarizeGroups(load.records) } : undefined;
      reportStream.write(renderReport(summary, { lang, interrupted: load.interrupted, groups, selfcheck }));
      const chart = renderAsciiHistogram(samples.ttft, { title: labels(lang).histogramTitle });
      if (chart) reportStream.write('\n' + chart);
    }
    // In a sweep: over every level's requests together.
    const thresholds = checkThresholds(thresholdRules, { summary, samples });
    if (thresholds.length > 0) io.stderr.write(renderThresholds(thresholds, lang));

    // The head only: the per-request rows are streamed into the output one by one below.
    const results = buildResultsHead({
      // The body template and the seed actually used (validateConfig picks one when needed), so the run can be repeated.
      config: redactSecretFields(publicConfig({ ...config, body })),
      startedAt: load.startedAt,
      protocol: choice.protocol?.name ?? `auto:${detectedNames(load.records)}`,
      transport: transportName,
      http2: config.http2,
      proxy: proxy === undefined ? undefined : redactor.text(describeProxy(proxy)),
      interrupted: load.interrupted,
      version: VERSION,
      summary,
      records: load.records,
      sweep: load.sweep,
      dataset: data?.dataset.fingerprint(),
      startAt: startAt === undefined ? undefined : new Date(startAt),
      shard: shard && shardResult(shard, load.startedAt, startAt),
      selfcheck,
    });
    if (thresholds.length > 0) {
      results.thresholds = thresholds.map((t) => ({ rule: t.rule.text, observed: t.observed ?? null, pass: t.pass }));
    }
    const pieces = serializeResults(results, load.records, redactor.value);
    if (outputPath) {
      await writeFileAtomic(outputPath, pieces);
      io.stderr.write(`results written to ${outputPath} (per-request journal: ${journal?.path})\n`);
    } else {
      for (const piece of pieces) io.stdout.write(piece);
    }
    if (htmlPath) {
      const redacted = redactor.value({ ...results, metrics: recordsToRows(load.records) });
      await writeFileAtomic(htmlPath, renderHtmlReport(redacted, { lang }));
      io.stderr.write(`HTML report written to ${htmlPath}\n`);
    }

    if (load.interrupted) return interruptedExit(io);
    return thresholds.every((t) => t.pass) ? EXIT.ok : EXIT.failed;
  } catch (error) {
    return reportCommandError(error, io, debug, redactor.text);
  } finally {
    journal?.close();
    transport?.close?.();
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
    idle_timeout: optionalNumber(values['idle-timeout'], '--idle-timeout'),
    output: optionalString(values.output),
    lang: optionalString(values.lang),
    protocol: optionalString(values.protocol),
    tokenizer: optionalString(values.tokenizer),
    transport: optionalString(values.transport),
    http2: values.http2 === true ? true : undefined,
    preconnect: values['no-preconnect'] === true ? false : values.preconnect === true ? true : undefined,
    workers: values.workers === 'auto' ? 'auto' : optionalNumber(values.workers, '--workers'),
    quiet: values.quiet === true ? true : undefined,
    rate: optionalNumber(values.rate, '--rate'),
    arrival: optionalString(values.arrival),
    burstiness: optionalNumber(values.burstiness, '--burstiness'),
    seed: optionalNumber(values.seed, '--seed'),
    max_concurrency: optionalNumber(values['max-concurrency'], '--max-concurrency'),
    duration: optionalString(values.duration),
    grace: optionalString(values.grace),
    retries: optionalNumber(values.retries, '--retries'),
    retry_backoff: optionalString(values['retry-backoff']),
    retry_max_wait: optionalString(values['retry-max-wait']),
    ramp_up: optionalString(values['ramp-up']),
    // A bare number is a request count; with a unit ("10s") it is a time.
    warmup: typeof values.warmup === 'string' && /^\s*\d+\s*$/.test(values.warmup) ? Number(values.warmup) : optionalString(values.warmup),
    slo: typeof values.slo === 'string' ? parseSloFlag(values.slo) : undefined,
    group_by: optionalString(values['group-by']),
    shuffle: values.shuffle === true ? true : undefined,
    shard: optionalString(values.shard),
  };
  const sweep: Record<string, unknown> = typeof values.sweep === 'string' ? parseSweepFlag(values.sweep) : {};
  const maxErrorRate = optionalNumber(values['sweep-max-error-rate'], '--sweep-max-error-rate');
  if (maxErrorRate !== undefined) sweep.max_error_rate = maxErrorRate;
  const maxTtft = optionalString(values['sweep-max-ttft-p99']);
  if (maxTtft !== undefined) sweep.max_ttft_p99 = maxTtft;
  if (Object.keys(sweep).length > 0) overrides.sweep = sweep;
  if (Array.isArray(values.threshold)) {
    overrides.thresholds = values.threshold as string[];
    // Checked here so the error names the flag, not the config file.
    overrides.thresholds.forEach(parseThreshold);
  }
  const source: NonNullable<ConfigOverrides['data_source']> = {};
  // --data replaces the file and lets its extension pick the type; paths from flags are relative to the working folder.
  if (typeof values.data === 'string') Object.assign(source, { file: resolve(cwd, values.data), type: undefined });
  if (typeof values['data-encoding'] === 'string') source.encoding = values['data-encoding'];
  const columns = values['data-column'];
  if (Array.isArray(columns)) source.column = columns.length === 1 ? columns[0] : columns;
  if (Object.keys(source).length > 0) overrides.data_source = source;
  if (Array.isArray(values.header)) overrides.headers = parseHeaderFlags(values.header as string[]);
  if (typeof values.body === 'string') overrides.body = parseBodyFlag(values.body, cwd);
  return overrides;
}

export function parseHeaderFlags(items: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [index, item] of items.entries()) {
    const colon = item.indexOf(':');
    const name = colon > 0 ? item.slice(0, colon).trim() : '';
    if (!name || /\s/.test(name)) {
      // Name the header, never echo its value: it is often the key.
      const first = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s+\S/.exec(item)?.[1];
      const which = first ? ` starting ${JSON.stringify(first)}` : '';
      throw new UsageError(`malformed header${which} (-H number ${index + 1}): expected "Name: value"`);
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
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (code ?? String(error));
      throw new UsageError(`cannot read body file ${source}: ${why}`);
    }
  }
  return parseJsonWithPosition(text, source);
}

function describeChoice(choice: ProtocolChoice): string {
  if (!choice.protocol) return 'auto (picked per response by content-type)';
  return choice.how === 'path' ? `${choice.protocol.name} (from the URL path)` : choice.protocol.name;
}

/** The protocols content-type detection picked, e.g. "openai-chat" or "ollama+raw". */
function detectedNames(records: Records): string {
  const names = new Set<string>();
  for (const record of records) if (record.protocol !== undefined) names.add(record.protocol);
  return names.size > 0 ? [...names].sort().join('+') : 'none';
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
  const wait = await waitUntil(startAt, systemClock(io.signal), io.signal);
  if (wait.pastByMs > 0) io.stderr.write(`note: --start-at ${iso} was already ${(wait.pastByMs / 1000).toFixed(1)} s past; starting now\n`);
  if (wait.aborted) io.stderr.write('interrupted before the start: nothing was sent, no results written\n');
  return wait;
}

function shardResult(shard: ShardSpec, startedAt: Date, startAt: number | undefined): ShardResult {
  const result: ShardResult = { index: shard.index, count: shard.count };
  if (startAt !== undefined) result.clock_offset_ms = startedAt.getTime() - startAt;
  return result;
}

/**
 * `auto`: one worker per free core, leaving one for the built-in simulated endpoint when it runs
 * here; never more workers than requests in flight.
 */
async function workerCount(setting: number | 'auto', simulatorHere: boolean, concurrency: number): Promise<number> {
  const wanted = setting === 'auto' ? Math.max(1, (await freeCores()) - (simulatorHere ? 1 : 0)) : setting;
  return Math.min(wanted, concurrency);
}

/** Why --workers cannot drive this run, or undefined: it splits a plain closed loop only, for now. */
function workersUnsupported(shape: LoadShape, sweep: boolean, shard: boolean, data: boolean): string | undefined {
  const with_ = [
    shape.rate !== undefined && 'a rate (open loop)',
    shape.durationMs !== undefined && 'a duration',
    shape.warmup !== undefined && 'a warm-up',
    shape.rampUpMs !== undefined && 'a ramp-up',
    sweep && 'a sweep',
    shard && '--shard',
    data && 'a data source',
  ].filter((item): item is string => typeof item === 'string');
  return with_.length > 0 ? `splits a plain closed loop only, not one with ${with_.join(', ')}; use --workers 1` : undefined;
}

function describeData(dataset: Dataset, seed: number | undefined): string {
  const encoding = `${dataset.encoding}${dataset.bom ? ' (BOM)' : ''}`;
  const order = seed !== undefined ? `shuffled, seed ${seed}` : 'in file order';
  return `data: ${dataset.label} | ${dataset.type}, ${encoding} | ${dataset.rows} rows, ${order} | columns: ${dataset.columns.join(', ')}`;
}

/** `--html FILE` as given; bare `--html`: next to the results file, with .html. */
function htmlOutputPath(flag: unknown, outputPath: string | undefined, cwd: string): string | undefined {
  if (typeof flag === 'string') return resolve(cwd, flag);
  if (flag !== true) return undefined;
  if (outputPath === undefined) throw new UsageError('--html needs a FILE when the results go to stdout (--output -)');
  return outputPath.endsWith('.json') ? `${outputPath.slice(0, -'.json'.length)}.html` : `${outputPath}.html`;
}

function defaultOutputPath(): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return `results/${stamp}.json`;
}

/** The results (or HTML) file can be written: its folder is writable and the path is not a folder itself. */
async function assertWritableFile(path: string, flag: string): Promise<void> {
  let isFolder = false;
  try {
    isFolder = statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    // ENOTDIR and the like: the folder check below names the problem.
  }
  if (isFolder) {
    throw new UsageError(`${flag} ${path} is a folder: name a file in it, e.g. ${join(path, 'run.json')}`);
  }
  await assertWritableFolder(dirname(path));
}

/** The transport to run on: a retired name runs on the default, with a warning. */
function chosenTransport(name: Config['transport'], io: RunIO): TransportName {
  if ((TRANSPORT_NAMES as readonly string[]).includes(name)) return name as TransportName;
  io.stderr.write(`warning: transport "${name}" was retired; running on ${DEFAULT_TRANSPORT}, which replaces it (README, "Transports")\n`);
  return DEFAULT_TRANSPORT;
}

async function assertWritableFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
    await access(folder, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : code === 'EROFS' ? 'read-only file system' : (code ?? String(error));
    throw new UsageError(`output folder ${folder} is not writable (${why}); choose another with --output`);
  }
}
