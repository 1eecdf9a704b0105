/**
 * `npm run bench`: streambench against ground truth and against peers. For
 * each scenario it starts the simulated endpoint in its own process (pinned
 * with taskset where it exists, recording true TTFT per request), then runs
 * each client in its own process pinned to other cores, one after another:
 * streambench on each transport, two Python aiohttp peers (raw chunks, the
 * original tool's method; and JSON-parsing) and a minimal node:http peer.
 * Prints a table and the goals, writes results/bench-<timestamp>.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArgsDef } from 'citty';
import { benchRow, checkGoals, CLIENT, medianRound, renderBenchTable, renderGoals, renderRounds, type BenchRow, type ClientReport } from '../bench/bench-report.ts';
import { SCENARIO_NAMES, selectScenarios, type Scenario } from '../bench/bench-scenarios.ts';
import { EXIT, optionalNumber, optionalString, parseStrict, reportCommandError, type CommandIO } from '../config/cli.ts';
import { coreCount, hasTaskset, pinnedCommand } from '../util/cpu.ts';
import { StreamBenchError, UsageError } from '../record/errors.ts';
import { writeFileAtomic } from '../results/results.ts';
import { STATS_PATH, type SimStats } from '../sim/server.ts';
import { startSimProcess, type SimProcess } from '../sim/process.ts';
import { DEFAULT_TRANSPORT, TRANSPORT_NAMES, type TransportName } from '../wire/transport.ts';
import { VERSION } from '../util/version.ts';

export const benchArgs = {
  scenario: { type: 'string', description: `scenarios to run, comma-separated (default ${SCENARIO_NAMES.join(',')})` },
  scale: { type: 'string', description: 'multiply request counts (and S4 streams and hold time) by this, e.g. 0.1 (default 1)' },
  rounds: { type: 'string', description: 'rounds of every client per scenario, median shown (default: 3 for S1 and S2, 1 for S3 and S4)' },
  transports: { type: 'string', description: `streambench transports to bench (default ${TRANSPORT_NAMES.join(',')})` },
  peers: { type: 'string', description: 'peer clients: aiohttp-raw,aiohttp,node-http (default), undici-minimal, or none' },
  python: { type: 'string', description: 'Python with aiohttp for the aiohttp peer (default /usr/bin/python3)' },
  workers: { type: 'string', description: 'streambench --workers for its runs (default 1); clients get cores 0..K-1' },
  output: { type: 'string', alias: 'o', description: 'results file (default results/bench-<timestamp>.json)' },
  debug: { type: 'boolean', description: 'show stack traces' },
} as const satisfies ArgsDef;

const PEERS = ['aiohttp-raw', 'aiohttp', 'node-http', 'undici-minimal'] as const;
const DEFAULT_PEERS: readonly Peer[] = ['aiohttp-raw', 'aiohttp', 'node-http'];
type Peer = (typeof PEERS)[number];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STREAMBENCH_CLIENT = join(ROOT, 'bench/streambench-client.ts');
const NODE_PEER = join(ROOT, 'bench/peers/node-http-client.ts');
const UNDICI_PEER = join(ROOT, 'bench/peers/undici-minimal-client.ts');
const AIOHTTP_PEER = join(ROOT, 'bench/peers/aiohttp_client.py');
const AIOHTTP_RAW_PEER = join(ROOT, 'bench/peers/aiohttp_raw_client.py');
/** No scenario takes near this long at full scale; a client past it is stuck. */
const CLIENT_TIMEOUT_MS = 15 * 60_000;

interface ClientSpec {
  name: string;
  command: (scenario: Scenario, url: string, body: string, scratch: string) => string[];
}

export interface BenchFile {
  tool: { name: 'streambench-bench'; version: string };
  started_at: string;
  machine: { node: string; platform: string; cores: number; taskset: boolean; client_cpus: string | null; endpoint_cpus: string | null };
  scale: number;
  workers: number;
  scenarios: Scenario[];
  rows: BenchRow[];
  goals: ReturnType<typeof checkGoals>;
  notes: string[];
}

export async function runBench(rawArgs: string[], io: CommandIO): Promise<number> {
  const debug = rawArgs.includes('--debug');
  try {
    const { values } = parseStrict(rawArgs, benchArgs);
    const scale = optionalNumber(values.scale, '--scale') ?? 1;
    const rounds = optionalNumber(values.rounds, '--rounds');
    if (rounds !== undefined && (!Number.isInteger(rounds) || rounds < 1)) throw new UsageError(`--rounds must be an integer >= 1, got ${rounds}`);
    const scenarios = selectScenarios(listOf(values.scenario) ?? SCENARIO_NAMES, scale, rounds);
    const transports = (listOf(values.transports) ?? [...TRANSPORT_NAMES]).map(transportName);
    const peerNames = listOf(values.peers) ?? [...DEFAULT_PEERS];
    const peers = peerNames.length === 1 && peerNames[0] === 'none' ? [] : peerNames.map(peerName);
    const python = optionalString(values.python) ?? '/usr/bin/python3';
    const workers = optionalNumber(values.workers, '--workers') ?? 1;
    if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be an integer >= 1, got ${workers}`);
    const outputPath = resolve(io.cwd, optionalString(values.output) ?? `results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);

    const notes: string[] = [];
    const note = (text: string) => {
      notes.push(text);
      io.stderr.write(`note: ${text}\n`);
    };
    const cores = coreCount();
    const taskset = hasTaskset();
    // Client on cores 0..K-1, the endpoint on the next one, when the machine has it.
    const clientCpus = taskset && cores > workers ? (workers === 1 ? '0' : `0-${workers - 1}`) : undefined;
    const endpointCpus = clientCpus === undefined ? undefined : String(workers);
    if (!taskset) note('taskset not found: client and endpoint are not pinned to cores');
    else if (clientCpus === undefined) note(`only ${cores} core(s): client and endpoint share cores, numbers are not comparable to a pinned run`);

    const clients: ClientSpec[] = transports.map((transport) => streambenchClient(transport, workers));
    for (const peer of peers) {
      if (peer === 'node-http') clients.push(nodePeer(CLIENT.nodeHttp, NODE_PEER));
      else if (peer === 'undici-minimal') clients.push(nodePeer(CLIENT.undiciMinimal, UNDICI_PEER));
      else if (pythonHasAiohttp(python)) clients.push(aiohttpPeer(python, peer === 'aiohttp-raw'));
      else note(`${peer} peer skipped: ${python} cannot import aiohttp (install Debian's python3-aiohttp: apt-get install python3-aiohttp)`);
    }

    const startedAt = new Date();
    const rows: BenchRow[] = [];
    for (const scenario of scenarios) {
      io.stderr.write(
        `${scenario.name} (${scenario.purpose}): TTFT ${scenario.ttftMs} ms, ${scenario.itlMs} ms between tokens, ${scenario.tokens} tokens, ${scenario.requests} requests at concurrency ${scenario.concurrency}\n`,
      );
      const sim = await startSimProcess({
        ttftMs: scenario.ttftMs,
        itlMs: scenario.itlMs,
        tokens: scenario.tokens,
        jitter: 0,
        recordTruth: true,
        cpus: endpointCpus,
      });
      try {
        await warmEndpoint(scenario, sim, clientCpus);
        const byClient = new Map<string, BenchRow[]>(clients.map((client) => [client.name, []]));
        // With rounds, round 0 is not counted: each client's own connection and request pattern meets the
        // endpoint once before any is measured (the warm-up above only warms it for the minimal client's).
        for (let round = scenario.rounds > 1 ? -1 : 0; round < scenario.rounds; round++) {
          // Rotated: no client always runs first (or last) on the endpoint.
          const shift = Math.max(0, round) % clients.length;
          for (const client of [...clients.slice(shift), ...clients.slice(0, shift)]) {
            const row = await measureClient(scenario, client, sim, clientCpus);
            if (round >= 0) byClient.get(client.name)!.push(row);
            io.stderr.write(
              `  ${scenario.rounds > 1 ? `round ${round + 1}${round < 0 ? ' (not counted)' : ''} ` : ''}${client.name}: ${row.req_per_s} req/s, TTFT p99 ${row.ttft_p99_ms ?? '-'} ms (true ${row.true_p99_ms ?? '-'}), ${row.errors} errors${row.error_sample ? ` e.g. ${row.error_sample}` : ''}\n`,
            );
          }
        }
        for (const client of clients) rows.push(medianRound(byClient.get(client.name)!));
      } finally {
        await sim.stop();
      }
    }

    const goalTransport = transports.includes(DEFAULT_TRANSPORT) ? DEFAULT_TRANSPORT : transports[0]!;
    const goals = checkGoals(rows, goalTransport);
    const bench: BenchFile = {
      tool: { name: 'streambench-bench', version: VERSION },
      started_at: startedAt.toISOString(),
      machine: {
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        cores,
        taskset,
        client_cpus: clientCpus ?? null,
        endpoint_cpus: endpointCpus ?? null,
      },
      scale,
      workers,
      scenarios,
      rows,
      goals,
      notes,
    };
    const clientBound = rows.filter((row) => row.selfcheck?.client_bound).map((row) => `${row.scenario} ${row.client}`);
    io.stdout.write(
      `\n${renderBenchTable(rows)}${renderRounds(rows)}\nGoals (streambench/${goalTransport}, ratios against peers measured in this run):\n${renderGoals(goals)}` +
        (clientBound.length > 0 ? `\nclient-bound: measurements inflated in ${clientBound.join(', ')}\n` : '') +
        (notes.length > 0 ? `\n${notes.map((n) => `note: ${n}`).join('\n')}\n` : ''),
    );
    await writeFileAtomic(outputPath, JSON.stringify(bench, null, 2) + '\n');
    io.stderr.write(`bench results written to ${outputPath}\n`);
    return EXIT.ok;
  } catch (error) {
    return reportCommandError(error, io, debug);
  }
}

/** The endpoint's warm-up: up to this many requests, this many at once, each streaming for about WARMUP_STREAM_MS at most. */
const WARMUP_REQUESTS = 2000;
const WARMUP_CONCURRENCY = 512;
const WARMUP_STREAM_MS = 1000;

/**
 * A fresh endpoint runs its first requests unoptimized (V8 compiles its hot
 * paths as they warm up): without a warm-up the first client of each scenario
 * meets a slower endpoint than the others, and its TTFT inflation reads higher.
 * The minimal node:http client sends the scenario's own requests first (answers cut to
 * about a second for S4's slow streams); the truth is cleared after.
 */
async function warmEndpoint(scenario: Scenario, sim: SimProcess, cpus: string | undefined): Promise<void> {
  const requests = Math.min(WARMUP_REQUESTS, Math.max(scenario.requests, 100));
  const concurrency = Math.min(WARMUP_CONCURRENCY, scenario.concurrency);
  const body = requestBody(Math.min(scenario.tokens, Math.max(8, Math.floor(WARMUP_STREAM_MS / Math.max(1, scenario.itlMs)))));
  const url = `${sim.url}/v1/chat/completions`;
  await runClient('endpoint warm-up', pinnedCommand(cpus, tsNode(NODE_PEER, ['--url', url, '--n', String(requests), '--c', String(concurrency), '--body', body])));

}

function requestBody(maxTokens: number): string {
  return JSON.stringify({
    model: 'streambench-sim',
    messages: [{ role: 'user', content: 'Write a short essay about artificial intelligence.' }],
    stream: true,
    max_tokens: maxTokens,
    stream_options: { include_usage: true },
  });
}

async function measureClient(scenario: Scenario, client: ClientSpec, sim: SimProcess, cpus: string | undefined): Promise<BenchRow> {
  await stats(sim.url, 'DELETE');
  const scratch = join(tmpdir(), `streambench-bench-${process.pid}-${Date.now()}.json`);
  const body = requestBody(scenario.tokens);
  try {
    const command = pinnedCommand(cpus, client.command(scenario, `${sim.url}/v1/chat/completions`, body, scratch));
    const report = await runClient(client.name, command);
    const truth = await stats(sim.url, 'GET');
    return benchRow(scenario, client.name, report, truth.ttft_ms);
  } finally {
    await rm(scratch, { force: true });
  }
}

async function stats(base: string, method: 'GET' | 'DELETE'): Promise<SimStats> {
  const response = await fetch(base + STATS_PATH, { method });
  if (!response.ok) throw new StreamBenchError('E_BENCH', `the endpoint's ${STATS_PATH} answered ${response.status}`);
  return (await response.json()) as SimStats;
}

/** Runs one client process; its last stdout line is its ClientReport. */
function runClient(name: string, command: string[]): Promise<ClientReport> {
  return new Promise((resolvePromise, reject) => {
    const [file, ...args] = command;
    const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_TIMEOUT_MS);
    child.once('error', (error) => reject(new StreamBenchError('E_BENCH', `${name} did not start: ${error.message}`)));
    child.once('close', (code) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolvePromise(JSON.parse(last) as ClientReport);
      } catch (error) {
        reject(new StreamBenchError('E_BENCH', `${name} failed (${(error as Error).message})${stderr ? `:\n${stderr.trim()}` : ''}`));
      }
    });
  });
}

function tsNode(script: string, args: string[]): string[] {
  return [process.execPath, '--import', import.meta.resolve('tsx'), script, ...args];
}

function streambenchClient(transport: TransportName, workers: number): ClientSpec {
  return {
    name: CLIENT.streambench(transport),
    command: (s, url, body, scratch) =>
      tsNode(STREAMBENCH_CLIENT, [
        '--url', url,
        '--requests', String(s.requests),
        '--concurrency', String(s.concurrency),
        '--body', body,
        '--transport', transport,
        '--workers', String(workers),
        '--timeout', '600',
        '--quiet',
        '--output', scratch,
      ]),
  };
}

/** A peer written in TypeScript, run under Node as streambench is. */
function nodePeer(name: string, script: string): ClientSpec {
  return {
    name,
    command: (s, url, body) => tsNode(script, ['--url', url, '--n', String(s.requests), '--c', String(s.concurrency), '--body', body]),
  };
}

function aiohttpPeer(python: string, raw: boolean): ClientSpec {
  return {
    name: raw ? CLIENT.aiohttpRaw : CLIENT.aiohttp,
    command: (s, url, body) => [python, raw ? AIOHTTP_RAW_PEER : AIOHTTP_PEER, '--url', url, '-n', String(s.requests), '-c', String(s.concurrency), '--body', body],
  };
}

function pythonHasAiohttp(python: string): boolean {
  return spawnSync(python, ['-c', 'import aiohttp'], { stdio: 'ignore' }).status === 0;
}

function listOf(value: unknown): string[] | undefined {
  const text = optionalString(value);
  return text === undefined ? undefined : text.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
}

function transportName(name: string): TransportName {
  if ((TRANSPORT_NAMES as readonly string[]).includes(name)) return name as TransportName;
  throw new UsageError(`unknown transport "${name}"; known: ${TRANSPORT_NAMES.join(', ')}`);
}

function peerName(name: string): Peer {
  if ((PEERS as readonly string[]).includes(name)) return name as Peer;
  throw new UsageError(`unknown peer "${name}"; known: ${PEERS.join(', ')}, none`);
}
