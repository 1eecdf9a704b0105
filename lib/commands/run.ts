/**
 * `run`: the load test, as a testable function. The script (scripts/run.ts)
 * only wires process signals and exit codes to it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { access, constants, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ArgsDef } from 'citty';
import { EXIT, optionalChoice, optionalNumber, optionalString, parseStrict, reportCommandError, type CommandIO } from '../config/cli.ts';
import { isSimulatedUrl, parseJsonWithPosition, resolveConfig, type Config, type ConfigOverrides } from '../config/config.ts';
import type { Dataset } from '../data/dataset.ts';
import { UsageError } from '../record/errors.ts';
import { whyUnreadable } from '../util/input-file.ts';
import { shouldColor } from '../util/color.ts';
import { parseSloFlag } from '../stats/goodput.ts';
import { summarizeGroups } from '../stats/groups.ts';
import { summarizeTurns, turnSources, type TurnSummary } from '../stats/turns.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import type { Lang } from '../report/i18n.ts';
import { journalPathFor, openJournal, type Journal } from '../results/journal.ts';
import { runConfiguredLoad, type LoadOptions, type LoadOutcome } from '../load/load.ts';
import { describeLoadShape, loadShapeFromConfig, peakInFlight, plannedLength, type LoadShape } from '../load/load-shape.ts';
import { needsTokenizer, prepareConversations, type PreparedConversations } from '../load/conversation-source.ts';
import { openFileLimitProblem, readOpenFileLimit } from '../util/open-file-limit.ts';
import { createProgress } from '../report/progress.ts';
import { PROTOCOL_NAMES, requestStreams, resolveProtocol, type ProtocolChoice } from '../wire/protocols/registry.ts';
import { collectSecrets, createRedactor, redactSecretFields, type Redactor } from '../wire/redact.ts';
import { REPORT_DETAILS, renderReport, type ReportDetail } from '../report/report.ts';
import { errorExamples, type ReportData } from '../report/report-data.ts';
import { createRequestPlan, requestFor, loadRequestData, requestBody, type RequestData, type RequestPlan } from '../data/request-plan.ts';
import { buildResultsHead, recordsToRows, recordToRow, serializeResults, writeFileAtomic, type Results, type ShardResult } from '../results/results.ts';
import { directionWarning, parseThreshold, type Rule } from '../stats/rule.ts';
import { parseShard, type ShardSpec } from '../config/shard-spec.ts';
import { globalIndex, shardLoadShape } from '../load/shard.ts';
import { startSimProcess, type SimProcess } from '../sim/process.ts';
import { parseStartAt, systemClock, waitUntil } from '../load/start-at.ts';
import { parseSweepFlag } from '../load/sweep.ts';
import { checkThresholds, renderThresholds, type ThresholdOutcome } from '../report/thresholds.ts';
import { applyTokenizer, TOKENIZERS, type Tokenizer } from '../stats/tokenizer.ts';
import { describeWorkload, loadRunTokenizer, tokenizerSource, promptDatasetOf, setUpWorkload, type WorkloadSetup } from '../data/workload-setup.ts';
import { createWorkloadRequestPlan } from '../data/workload-requests.ts';
import { hasWorkload } from '../config/workload-spec.ts';
import { freeCores } from '../util/cpu.ts';
import { startSelfCheck, type SelfCheck } from '../stats/selfcheck.ts';
import { warmFetch } from '../wire/transport-fetch.ts';
import { shouldPreconnect } from '../wire/preconnect.ts';
import { describeProxy, readProxyEnv } from '../wire/proxy-env.ts';
import { npmLogWarning } from '../config/npm-log-warning.ts';
import { createTransport } from '../wire/create-transport.ts';
import { DEFAULT_TRANSPORT, TRANSPORT_NAMES, type Transport, type TransportName, type TransportOptions } from '../wire/transport.ts';
import { runInWorkers } from '../load/workers.ts';
import type { Records } from '../record/record.ts';
import { VERSION } from '../util/version.ts';
import { startRunScrapes, type RunScrapes } from '../server-metrics/during-run.ts';
import type { ServerMetricsBlock } from '../server-metrics/block.ts';

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
  tokenizer: {
    type: 'string',
    description: `${TOKENIZERS.join(', ')} or a tokenizer.json path: sizes --input-tokens prompts (default o200k) and estimates output tokens when the server reports no usage`,
  },
  transport: { type: 'string', description: 'HTTP client: undici (its dispatcher API, default) or fetch (web-standard, over the same pool)' },
  http2: { type: 'boolean', description: 'offer HTTP/2 to https:// servers (TLS ALPN); the server picks; recorded in the results' },
  preconnect: { type: 'boolean', description: 'open the connections before the clock starts (default: for https, and for more than 511 connections)' },
  'no-preconnect': { type: 'boolean', description: 'do not open the connections before the clock starts: the first requests then include TCP/TLS set-up' },
  workers: { type: 'string', description: 'worker threads driving the load: a number, or auto (one per free core); default 1' },
  output: { type: 'string', alias: 'o', description: 'results file (default results/<timestamp>.json); "-" prints it to stdout as one JSON line' },
  html: { type: 'string', description: 'also write a self-contained HTML report (default: the results path with .html)' },
  quiet: { type: 'boolean', alias: 'q', description: 'no per-request lines' },
  report: { type: 'string', description: 'terminal report: brief (default, one screen) or full (every section and statistic)' },
  'full-report': { type: 'boolean', description: 'same as --report full' },
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
  // The server's own view (docs/server-metrics.md).
  'server-metrics': {
    type: 'string',
    description: "scrape the server's Prometheus metrics during the run: bare for the target's /metrics, or a URL (repeatable)",
  },
  'server-metrics-interval': { type: 'string', description: 'time between metric scrapes (default 1s)' },
  // Workloads (docs/workloads.md).
  'input-tokens': { type: 'string', description: 'generate prompts of exactly N tokens (the mean with --input-tokens-stddev)' },
  'input-tokens-stddev': { type: 'string', description: 'prompt lengths: normal around --input-tokens with this stddev' },
  'input-tokens-min': { type: 'string', description: 'shortest prompt; with --data, leaves out shorter rows' },
  'input-tokens-max': { type: 'string', description: 'longest prompt; with --data, leaves out longer rows' },
  'output-tokens': { type: 'string', description: "ask for N output tokens in the API's own limit field (max_tokens, ...)" },
  'output-tokens-stddev': { type: 'string', description: 'output lengths: normal around --output-tokens with this stddev' },
  'output-tokens-min': { type: 'string', description: 'shortest output asked for' },
  'output-tokens-max': { type: 'string', description: 'longest output asked for' },
  'exact-output': { type: 'boolean', description: 'also ask the server to ignore end-of-sequence (ignore_eos, min_tokens: vLLM, SGLang)' },
  'prefix-tokens': { type: 'string', description: 'each prompt starts with one of --prefixes shared prefixes of P tokens' },
  prefixes: { type: 'string', description: 'how many shared prefixes (default 1)' },
  'max-model-len': { type: 'string', description: "the model's context length: prefix + input + output must fit" },
  // Conversations and traces (docs/conversations.md).
  turns: { type: 'string', description: 'conversations of N turns, each carrying the history with the replies streamed; -n then counts conversations' },
  'turns-stddev': { type: 'string', description: 'turns per conversation: standard deviation around --turns (the mean)' },
  'turns-min': { type: 'string', description: 'turns per conversation: at least this many' },
  'turns-max': { type: 'string', description: 'turns per conversation: at most this many' },
  'think-time': { type: 'string', description: 'wait between a reply and the next turn (2s, 500ms), outside every latency' },
  'think-time-stddev': { type: 'string', description: 'think time: standard deviation around --think-time (the mean)' },
  'think-time-min': { type: 'string', description: 'think time: at least this long' },
  'think-time-max': { type: 'string', description: 'think time: at most this long' },
  trace: { type: 'string', description: 'replay a timestamped trace (mooncake JSONL: timestamp, input_length, output_length, hash_ids)' },
  'trace-block-size': { type: 'string', description: 'tokens per hash id in the trace (default 512)' },
  'trace-speedup': { type: 'string', description: 'replay the trace this many times faster (default 1)' },
} as const satisfies ArgsDef;

const REPEATABLE = ['header', 'data-column', 'threshold', 'server-metrics'] as const;
/** Flags that may be given without a value. */
const OPTIONAL_VALUE = ['html', 'server-metrics'] as const;

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
  const held: Held = { redactor: createRedactor() };
  // First of all, whatever comes next: npm (npx, npm run) has already logged its whole command line, a key typed into a flag included.
  const npmWarning = npmLogWarning(rawArgs, io.env);
  if (npmWarning) io.stderr.write(`warning: ${npmWarning}\n`);
  try {
    const run = await prepare(rawArgs, io, held);
    const endpoint = await startEndpoint(run, io, held);
    // Last before the load: everything that takes time is done, so the shards start within a few ms of each other.
    if (run.startAt !== undefined) {
      const wait = await waitForStart(run.startAt, io);
      if (wait.aborted) return interruptedExit(io);
    }
    const outcome = await runTheLoad(run, endpoint, io, held);
    const thresholds = reportRun(run, outcome, io);
    await persist(run, outcome, thresholds, io, held);
    if (outcome.load.interrupted) return interruptedExit(io);
    return thresholds.every((t) => t.pass) ? EXIT.ok : EXIT.failed;
  } catch (error) {
    return reportCommandError(error, io, debug, held.redactor.text);
  } finally {
    held.journal?.close();
    held.scrapes?.stop();
    held.transport?.close?.();
    await held.sim?.stop();
  }
}

/** What a run holds open, released whatever happens; and the redactor, which error messages pass through. */
interface Held {
  redactor: Redactor;
  sim?: SimProcess;
  journal?: Journal;
  transport?: Transport;
  scrapes?: RunScrapes;
}

/** The run as configured and checked: nothing is sent, nothing started yet. */
interface PreparedRun {
  config: Config;
  thresholdRules: Rule[];
  startAt: number | undefined;
  outputPath: string | undefined;
  htmlPath: string | undefined;
  reportStream: RunIO['stdout'];
  runShape: LoadShape;
  shape: LoadShape;
  shard: ShardSpec | undefined;
  choice: ProtocolChoice;
  body: unknown;
  data: RequestData | undefined;
  /** Conversations (--turns) or a trace (--trace), checked; undefined for independent requests. */
  conversations: PreparedConversations | undefined;
  /** Generated prompts, a prompt dataset, output lengths: undefined when the run has none. */
  workload: WorkloadSetup | undefined;
  /** Sizes prompts and estimates output tokens; undefined when the run needs none. */
  tokenizer: Tokenizer | undefined;
  /** The config file's folder: relative paths in it resolve against it. */
  baseDir: string;
  peak: ReturnType<typeof peakInFlight>;
}

/** Phase 1: flags and config checked, data loaded, outputs proved writable. Bad input fails here with no request sent. */
async function prepare(rawArgs: string[], io: RunIO, held: Held): Promise<PreparedRun> {
  const { values } = parseStrict(rawArgs, runArgs, REPEATABLE, OPTIONAL_VALUE);
  const loaded = await resolveConfig({
    configPath: optionalString(values.config),
    defaultConfigPath: 'config.json',
    flags: flagsToOverrides(values, io.cwd),
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
  held.redactor = createRedactor(loaded.expandedValues);
  collectSecrets(held.redactor, config.headers, config.url, config.body);
  for (const url of config.server_metrics?.urls ?? []) collectSecrets(held.redactor, config.server_metrics!.headers, url);

  const startAt = typeof values['start-at'] === 'string' ? parseStartAt(values['start-at']) : undefined;
  const toStdout = config.output === STDOUT_OUTPUT;
  const outputPath = toStdout ? undefined : resolve(io.cwd, config.output ?? defaultOutputPath());
  if (outputPath) await assertWritableFile(outputPath, '--output');
  const htmlPath = htmlOutputPath(values.html, outputPath, io.cwd);
  if (htmlPath) await assertWritableFile(htmlPath, '--html');

  const { shape: runShape, notes } = loadShapeFromConfig(config);
  if (config.trace) {
    // From a file they are ignored (the demo config has them); given as flags, they would be silently ignored.
    const given = (['requests', 'concurrency'] as const).filter((flag) => values[flag] !== undefined).map((flag) => `--${flag}`);
    if (given.length > 0) throw new UsageError(`${given.join(' and ')} do not apply to --trace: the trace's entries are the requests, sent at its times (cap them with --max-concurrency)`);
  }
  const shard = config.shard === undefined ? undefined : parseShard(config.shard);
  if (shard && config.sweep) {
    throw new UsageError(`shard ${config.shard}: a sweep runs its levels one after another in one process; shard one level instead`);
  }
  const shape = shard ? shardLoadShape(runShape, shard) : runShape;
  if (typeof shape === 'string') throw new UsageError(`shard ${config.shard}: ${shape}`);

  // The protocol depends only on the URL's path, which the simulator keeps.
  const choice = resolveProtocol(config.protocol, config.url);
  const model = optionalString(values.model);
  // The body actually sent (before protocol adjustments), recorded in the results as the config's body.
  let body = requestBody(config, config.url, choice.protocol, model);
  // Load and check the data before anything starts: bad data fails with no request sent.
  // Conversations and traces build every request themselves (lib/load/conversation-source.ts), their data file included.
  const conversing = needsTokenizer(config);
  const promptDataset = conversing ? undefined : await promptDatasetOf(config, loaded.baseDir, io.cwd);
  const tokenizer = await loadRunTokenizer(config, loaded.baseDir, io.cwd, conversing || promptDataset !== undefined || hasWorkload(config.workload));
  const workload = conversing ? undefined : setUpWorkload({ config, body, protocol: choice.protocol, tokenizer, dataset: promptDataset });
  const data = conversing || promptDataset ? undefined : await loadRequestData(config, body, loaded.baseDir, io.cwd);
  if (workload) {
    io.stderr.write(describeWorkload(workload, config) + '\n');
    for (const note of workload.notes) io.stderr.write(note + '\n');
    // Before the clock: every prompt the run will send (a duration run: those it must know now).
    const count = runShape.total + (runShape.warmup?.requests ?? 0);
    const ms = workload.plan.prepare(count);
    const prepared = workload.plan.describe().prepared;
    if (prepared > 0) io.stderr.write(`workload: ${prepared} prompts ${promptDataset ? 'counted' : 'generated'} in ${Math.round(ms)} ms before the clock\n`);
    if (!Number.isFinite(count) && config.workload?.input_tokens !== undefined) {
      io.stderr.write('note: a run with a duration generates its prompts as it sends them (~25 µs per 1,024-token prompt in o200k; docs/workloads.md)\n');
    }
    if (config.sweep && config.workload?.input_tokens !== undefined) {
      io.stderr.write("note: every sweep level sends the same prompts, as it does data rows: a server's prefix cache may serve the later levels' repeats\n");
    }
  }
  if (data) {
    body = data.body;
    io.stderr.write(describeData(data.dataset, data.seed) + '\n');
    if (data.placeholders.length === 0) {
      io.stderr.write('note: the request has no {{placeholders}}, so every request is the same despite the data file\n');
    }
  }
  // Read and checked whole before anything starts: a bad trace line fails with no request sent.
  const conversations = await prepareConversations({ config, protocol: choice.protocol, body, tokenizer, baseDir: loaded.baseDir, cwd: io.cwd, shard });
  if (conversations) {
    io.stderr.write(conversations.describe + '\n');
    // Before the clock: the text of every conversation the run will start (a trace: the first entries, to warm up).
    const began = performance.now();
    const made = conversations.prepare(shape.trace ? Infinity : shape.total + (shape.warmup?.requests ?? 0));
    if (made > 0) io.stderr.write(`conversations: ${made} ${shape.trace ? 'trace prompts' : 'user turns'} generated in ${Math.round(performance.now() - began)} ms before the clock\n`);
  }
  for (const note of notes) io.stderr.write(note + '\n');

  const peak = peakInFlight(shape, config.sweep);
  const fileLimit = peak && readOpenFileLimit();
  const limitProblem = fileLimit && openFileLimitProblem(peak.count, fileLimit, peak.flag);
  if (limitProblem) throw new UsageError(limitProblem);

  // Created before the load: an output that cannot be written fails now, not after the run.
  // With --output - there is no file to keep a journal beside.
  const warn = (message: string) => io.stderr.write(`warning: ${held.redactor.text(message)}\n`);
  if (outputPath !== undefined) held.journal = openJournal(journalPathFor(outputPath), warn);
  const reportStream = toStdout ? io.stderr : io.stdout;
  return {
    config,
    thresholdRules,
    startAt,
    outputPath,
    htmlPath,
    reportStream,
    runShape,
    shape,
    shard,
    choice,
    body,
    data,
    workload,
    tokenizer,
    baseDir: loaded.baseDir,
    conversations,
    peak,
  };
}

/** The endpoint as the load will reach it: the simulator started if asked, the transport and its connections ready. */
interface Endpoint {
  targetUrl: string;
  plan: RequestPlan;
  /** The run's conversations, building requests for targetUrl. */
  conversations: ReturnType<PreparedConversations['source']> | undefined;
  workers: number;
  transport: Transport;
  /** The transport's name (a retired one is replaced), its pool settings, and the proxy it goes through. */
  transportName: TransportName;
  transportOptions: Omit<TransportOptions, 'connections'>;
  proxy: string | undefined;
  preconnect: boolean;
}

/** Phase 2: start the simulated endpoint (sim://), pick workers, open the transport and preconnect before the clock. */
async function startEndpoint(run: PreparedRun, io: RunIO, held: Held): Promise<Endpoint> {
  const { config, shape, shard, peak } = run;
  let targetUrl = config.url;
  if (isSimulatedUrl(config.url)) {
    held.sim = await startSimProcess({
      ttftMs: config.simulator.ttft_ms,
      itlMs: config.simulator.itl_ms,
      tokens: config.simulator.tokens,
      jitter: config.simulator.jitter,
      reasoningTokens: config.simulator.reasoning_tokens,
      seed: config.simulator.seed,
      prefillMsPerToken: config.simulator.prefill_ms_per_token,
      prefixCacheTokens: config.simulator.prefix_cache_tokens,
      // With a workload, the endpoint counts prompts with the run's tokenizer, so its usage can be checked against ours.
      tokenizer: run.workload || run.conversations ? tokenizerSource(config, run.baseDir, io.cwd).spec : undefined,
    });
    // Swap the origin textually: the path may hold {{placeholders}}, which URL parsing would escape.
    const { protocol: scheme, host } = new URL(config.url);
    targetUrl = held.sim.url + config.url.slice(`${scheme}//${host}`.length);
    io.stderr.write(`using the built-in simulated endpoint at ${targetUrl}\n`);
  }

  const plan = run.workload
    ? createWorkloadRequestPlan(config, targetUrl, run.body, run.choice.protocol, run.workload.plan)
    : createRequestPlan(config, targetUrl, run.body, run.choice.protocol, run.data);
  const conversations = run.conversations?.source((body) => requestFor(config, targetUrl, body, run.choice.protocol));
  const workers = await workerCount(config.workers, held.sim !== undefined, shape.concurrency);
  if (workers > 1) {
    const unsupported = workersUnsupported(
      shape,
      config.sweep !== undefined,
      shard !== undefined,
      run.data !== undefined || run.workload !== undefined || conversations !== undefined,
    );
    if (unsupported) throw new UsageError(`--workers ${workers}: ${unsupported}`);
  }
  const transportName = chosenTransport(config.transport, io);
  io.stderr.write(
    `${config.method} ${held.redactor.text(targetUrl)} | ${describeLoadShape(shape, config.sweep)} | protocol ${describeChoice(run.choice)}${requestStreams(run.choice.protocol, run.body, targetUrl) ? '' : ' non-streaming (one JSON answer each: measured end to end, no TTFT)'} | transport ${transportName}${config.http2 ? ' (HTTP/2 offered)' : ''}${workers > 1 ? ` | ${workers} workers` : ''}${shard ? ` | shard ${shard.index}/${shard.count} of (${describeLoadShape(run.runShape)})` : ''}\n`,
  );

  const transportOptions = {
    http2: config.http2,
    // The built-in endpoint is on this machine: never through a proxy.
    proxy: held.sim ? undefined : readProxyEnv(io.env),
    // A connection is part of its request: the request's --timeout bounds its set-up too.
    connectTimeoutMs: config.timeout * 1000,
  };
  // Sockets per origin: the most requests the run keeps in flight (no cap for an uncapped open loop).
  const transport = createTransport(transportName, { ...transportOptions, connections: peak?.count ?? Infinity });
  held.transport = transport;
  if (transportName === 'fetch') await warmFetch();
  const proxy = transport.proxyFor?.(plan.buildRequest(0).url);
  if (proxy) {
    io.stderr.write(
      `proxy: requests go through ${held.redactor.text(describeProxy(proxy))} (from the HTTP(S)_PROXY environment): every time measured includes the proxy; NO_PROXY=${new URL(targetUrl).hostname} measures the server directly\n`,
    );
  }
  // A closed loop (or a capped open loop) holds a known number of connections: open them before the clock starts.
  const preconnect = proxy === undefined && peak !== undefined && Number.isFinite(peak.count) && shouldPreconnect(config.preconnect, targetUrl, peak.count);
  if (preconnect && transport.preconnect && workers === 1) {
    const began = performance.now();
    const opened = await transport.preconnect(plan.buildRequest(0).url, peak.count, io.signal);
    io.stderr.write(`preconnect: ${opened}/${peak.count} connections open in ${Math.round(performance.now() - began)} ms\n`);
  }
  return { targetUrl, plan, conversations, workers, transport, transportName, transportOptions, proxy: proxy && held.redactor.text(describeProxy(proxy)), preconnect };
}

interface RunOutcome {
  load: LoadOutcome;
  selfcheck: SelfCheck;
  /** How the requests went: the transport and the proxy (credentials hidden), for the results. */
  wire: { transport: TransportName; proxy: string | undefined };
  /** The server's own metrics, scraped during the run (--server-metrics). */
  server?: ServerMetricsBlock;
}

/** Phase 3: the load itself, each request journaled as it completes, the client's own health watched throughout. */
async function runTheLoad(run: PreparedRun, endpoint: Endpoint, io: RunIO, held: Held): Promise<RunOutcome> {
  const { config, shard } = run;
  const { redactor, journal } = held;
  // The scrape right before the first request, outside the self-check's window (the first fetch loads its code).
  const scrapes = serverMetricsFor(run, endpoint, io, redactor.text);
  held.scrapes = scrapes;
  await scrapes?.begin();
  const selfCheck = startSelfCheck(endpoint.workers);
  let workerDelays: number[] | undefined;
  const requestContext = {
    protocol: run.choice.protocol,
    timeoutMs: config.timeout * 1000,
    idleTimeoutMs: config.idle_timeout === undefined ? undefined : config.idle_timeout * 1000,
    collectText: config.tokenizer !== undefined,
    nonStreaming: !requestStreams(run.choice.protocol, run.body, endpoint.targetUrl),
    // A conversation's next turn carries the reply: its text is kept until then.
    collectReply: run.conversations?.replies === true,
  };
  // --workers: the same closed loop, split across worker threads (a plain closed loop only, checked in startEndpoint).
  const inWorkers: LoadOptions['runLoad'] = async (levelShape, target, hooks) => {
    const { protocol, ...shared } = requestContext;
    const workerPlan = {
      ...shared,
      total: levelShape.total,
      concurrency: levelShape.concurrency,
      retry: levelShape.retry,
      requests: [target.buildRequest(0)],
      protocol: protocol?.name,
      transport: endpoint.transportName,
      transportOptions: endpoint.transportOptions,
      secrets: redactor.secrets(),
      preconnect: endpoint.preconnect,
    };
    const result = await runInWorkers(workerPlan, endpoint.workers, hooks);
    workerDelays = result.eventLoopDelaysMs;
    return result;
  };
  const load = await runConfiguredLoad({
    shape: run.shape,
    sweep: config.sweep,
    slo: config.slo,
    target: {
      buildRequest: endpoint.plan.buildRequest,
      tagRecord: endpoint.plan.tagRecord,
      requestIndex: shard ? (n) => globalIndex(n, shard) : undefined,
      context: { ...requestContext, transport: endpoint.transport, redact: redactor.text },
      conversations: endpoint.conversations,
    },
    planned: endpoint.conversations ? (shape) => plannedConversationRequests(shape, endpoint.conversations!) : undefined,
    runLoad: endpoint.workers > 1 ? inWorkers : undefined,
    signal: io.signal,
    progress: (planned) =>
      createProgress({
        stream: io.stderr,
        ...planned,
        quiet: config.quiet,
        lang: config.lang as Lang,
        redact: redactor.text,
        color: shouldColor(io.stderr, io.env),
      }),
    // Journal first: once a request is reported anywhere, its line is on disk.
    onRecord: (record) => journal?.append(redactor.value(recordToRow(record))),
    // Counted after each load, never while requests are in flight.
    afterLoad: config.tokenizer && run.tokenizer ? (records) => applyTokenizer(records, run.tokenizer!) : undefined,
    log: (line) => io.stderr.write(line + '\n'),
  });
  const selfcheck = selfCheck.stop(workerDelays);
  journal?.close();
  const wire = { transport: endpoint.transportName, proxy: endpoint.proxy };
  if (!scrapes) return { load, selfcheck, wire };
  const { block, cost } = await scrapes.end(load.origin);
  return { load, selfcheck: { ...selfcheck, server_metrics: cost }, server: block, wire };
}

/** --server-metrics: the scrapes of the run, or undefined when not asked for. */
function serverMetricsFor(run: PreparedRun, endpoint: Endpoint, io: RunIO, redact: (text: string) => string): RunScrapes | undefined {
  const settings = run.config.server_metrics;
  if (!settings) return undefined;
  const scrapes = startRunScrapes({
    urls: settings.urls,
    targetUrl: endpoint.targetUrl,
    headers: settings.headers,
    intervalSeconds: settings.interval,
    timeoutSeconds: settings.timeout,
    warn: (message) => io.stderr.write(`warning: ${redact(message)}\n`),
  });
  io.stderr.write(`server metrics: ${redact(scrapes.urls.join(', '))} every ${settings.interval}s\n`);
  return scrapes;
}

/** Phase 4: the report on the terminal, and the thresholds checked (over every level's requests together in a sweep). */
function reportRun(run: PreparedRun, outcome: RunOutcome, io: RunIO): ThresholdOutcome[] {
  const { config } = run;
  const lang = config.lang as Lang;
  const { load } = outcome;
  const turns = run.conversations ? summarizeTurns(load.records) : undefined;
  run.reportStream.write(renderReport(reportDataOf(run, outcome, turns), { lang, detail: config.report }));
  const thresholds = checkThresholds(run.thresholdRules, { summary: load.summary, samples: load.samples, server: outcome.server, turns: turnSources(turns) });
  if (thresholds.length > 0) io.stderr.write(renderThresholds(thresholds, lang));
  return thresholds;
}

/** What the terminal report shows (thresholds have their own lines on stderr). */
function reportDataOf(run: PreparedRun, { load, selfcheck, server }: RunOutcome, turns: TurnSummary | undefined): ReportData {
  const { config } = run;
  const data: ReportData = {
    summary: load.summary,
    config: recordedConfig(run),
    run: { protocol: protocolName(run, load.records), transport: config.transport, interrupted: load.interrupted, started_at: load.startedAt.toISOString() },
    samples: load.samples,
    selfcheck,
    errorExamples: errorExamples(load.records),
  };
  if (load.sweep) data.sweep = load.sweep;
  if (server) data.server = server;
  if (turns) data.turns = turns;
  if (config.group_by !== undefined) data.groups = { by: config.group_by, rows: summarizeGroups(load.records) };
  return data;
}

/** The config as the results record it: the body actually sent and the seed used, secrets redacted. */
function recordedConfig(run: PreparedRun): ReturnType<typeof publicConfig> & { timestamp: string } {
  return { ...redactSecretFields(publicConfig({ ...run.config, body: run.body })), timestamp: '' };
}

function protocolName(run: PreparedRun, records: Records): string {
  return run.choice.protocol?.name ?? `auto:${detectedNames(records)}`;
}

/** Phase 5: the results file (or stdout) and the HTML report, secrets redacted. */
async function persist(run: PreparedRun, { load, selfcheck, server, wire }: RunOutcome, thresholds: ThresholdOutcome[], io: RunIO, held: Held): Promise<void> {
  const { config, shard, startAt, outputPath, htmlPath } = run;
  const { redactor } = held;
  // The head only: the per-request rows are streamed into the output one by one below.
  const results = buildResultsHead({
    // The body template and the seed actually used (validateConfig picks one when needed), so the run can be repeated.
    config: redactSecretFields(publicConfig({ ...config, body: run.body })),
    startedAt: load.startedAt,
    protocol: protocolName(run, load.records),
    transport: wire.transport,
    http2: config.http2,
    proxy: wire.proxy,
    interrupted: load.interrupted,
    version: VERSION,
    summary: load.summary,
    records: load.records,
    sweep: load.sweep,
    dataset: run.data?.dataset.fingerprint() ?? run.workload?.dataset?.fingerprint() ?? run.conversations?.dataset,
    workload: run.workload?.plan.describe(),
    startAt: startAt === undefined ? undefined : new Date(startAt),
    shard: shard && shardResult(shard, load.startedAt, startAt),
    selfcheck,
  });
  if (server) results.server_metrics = server as unknown as Results['server_metrics'];
  if (thresholds.length > 0) {
    results.thresholds = thresholds.map((t) => ({ rule: t.rule.text, observed: t.observed ?? null, pass: t.pass }));
  }
  const pieces = serializeResults(results, load.records, redactor.value);
  if (outputPath) {
    await writeFileAtomic(outputPath, pieces);
    io.stderr.write(`results written to ${outputPath} (per-request journal: ${held.journal?.path})\n`);
  } else {
    for (const piece of pieces) io.stdout.write(piece);
  }
  if (htmlPath) {
    const redacted = redactor.value({ ...results, metrics: recordsToRows(load.records) });
    await writeFileAtomic(htmlPath, renderHtmlReport(redacted, { lang: config.lang as Lang }));
    io.stderr.write(`HTML report written to ${htmlPath}\n`);
  }
}

/** Progress's planned total for conversations: every turn of the conversations planned (a duration: its length). */
function plannedConversationRequests(shape: LoadShape, source: NonNullable<Endpoint['conversations']>): { total: number | undefined; durationMs?: number } {
  const length = plannedLength(shape);
  if (length.durationMs !== undefined || (shape.warmup?.ms ?? 0) > 0) return length;
  return { total: source.plannedRequests(source.count ?? shape.total + (shape.warmup?.requests ?? 0)) };
}

/** A distribution field from its flags: --NAME alone is a number (or a duration); with -stddev, -min or -max an object. */
function distributionFlags(values: Record<string, unknown>, name: string, parse: (value: unknown, flag: string) => number | string | undefined) {
  const mean = parse(values[name], `--${name}`);
  const spread: Record<string, number | string> = {};
  for (const part of ['stddev', 'min', 'max'] as const) {
    const value = parse(values[`${name}-${part}`], `--${name}-${part}`);
    if (value !== undefined) spread[part] = value;
  }
  if (Object.keys(spread).length === 0) return mean;
  return mean === undefined ? spread : { mean, ...spread };
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
    tokenizer: tokenizerFlag(values.tokenizer, cwd),
    transport: optionalString(values.transport),
    http2: values.http2 === true ? true : undefined,
    preconnect: values['no-preconnect'] === true ? false : values.preconnect === true ? true : undefined,
    workers: values.workers === 'auto' ? 'auto' : optionalNumber(values.workers, '--workers'),
    quiet: values.quiet === true ? true : undefined,
    report: values['full-report'] === true ? 'full' : optionalChoice<ReportDetail>(values.report, '--report', REPORT_DETAILS),
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
    server_metrics: serverMetricsFlags(values['server-metrics'], values['server-metrics-interval']),
    workload: workloadOverrides(values),
    turns: distributionFlags(values, 'turns', optionalNumber) as ConfigOverrides['turns'],
    think_time: distributionFlags(values, 'think-time', (value) => optionalString(value)) as ConfigOverrides['think_time'],
  };
  const trace: NonNullable<ConfigOverrides['trace']> = {};
  // Paths from flags are relative to the working folder.
  if (typeof values.trace === 'string') trace.file = resolve(cwd, values.trace);
  const blockSize = optionalNumber(values['trace-block-size'], '--trace-block-size');
  if (blockSize !== undefined) trace.block_size = blockSize;
  const speedup = optionalNumber(values['trace-speedup'], '--trace-speedup');
  if (speedup !== undefined) trace.speedup = speedup;
  if (Object.keys(trace).length > 0) overrides.trace = trace;
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

/** --server-metrics (bare: the target's /metrics; or URLs, repeatable) and --server-metrics-interval. */
function serverMetricsFlags(urls: unknown, interval: unknown): ConfigOverrides['server_metrics'] {
  const flags: NonNullable<ConfigOverrides['server_metrics']> = {};
  if (Array.isArray(urls)) flags.urls = urls.map((url: string | true) => (url === true ? '/metrics' : url));
  if (typeof interval === 'string') flags.interval = interval;
  return Object.keys(flags).length > 0 ? flags : undefined;
}

/** The workload flags as `workload` fields (`--input-tokens-max` → input_tokens_max); undefined when none is given. */
function workloadOverrides(values: Record<string, unknown>): Record<string, unknown> | undefined {
  const numeric = ['input-tokens', 'input-tokens-stddev', 'input-tokens-min', 'input-tokens-max', 'output-tokens', 'output-tokens-stddev', 'output-tokens-min', 'output-tokens-max', 'prefix-tokens', 'prefixes', 'max-model-len'];
  const workload: Record<string, unknown> = {};
  for (const flag of numeric) {
    const value = optionalNumber(values[flag], `--${flag}`);
    if (value !== undefined) workload[flag.replace(/-/g, '_')] = value;
  }
  if (values['exact-output'] === true) workload.exact_output = true;
  return Object.keys(workload).length > 0 ? workload : undefined;
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

/** A built-in name as given; a tokenizer.json path from a flag is relative to the working folder. */
function tokenizerFlag(value: unknown, cwd: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  return /[\\/]|\.json$/i.test(value) ? resolve(cwd, value) : value;
}

function parseBodyFlag(value: string, cwd: string): unknown {
  let text = value;
  let source = '--body';
  if (value.startsWith('@')) {
    source = value.slice(1);
    try {
      text = readFileSync(resolve(cwd, source), 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read body file ${source}: ${whyUnreadable(error)}`);
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

/**
 * The config as recorded in results: run settings only, secrets redacted later. The simulator's settings
 * only when the simulator served the run.
 */
function publicConfig(config: Config): Record<string, unknown> & { url: string; concurrency: number; total_requests: number } {
  const { simulator, ...rest } = config;
  return (isSimulatedUrl(config.url) ? { ...rest, simulator } : rest) as Record<string, unknown> & Config;
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
  if (isFolder) throw new UsageError(`${flag} ${path} is a folder: name a file in it, e.g. ${join(path, 'run.json')}`);
  await assertWritableFolder(dirname(path));
}

/** The transport to run on: a retired name runs on the default, with a warning. */
function chosenTransport(name: Config['transport'], io: RunIO): TransportName {
  if ((TRANSPORT_NAMES as readonly string[]).includes(name)) return name as TransportName;
  io.stderr.write(`warning: transport "${name}" was retired; running on ${DEFAULT_TRANSPORT}, which replaces it (docs/transports.md)\n`);
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
