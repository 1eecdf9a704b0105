/**
 * The benchmark's numbers: one row per (scenario, client) from the client's
 * own report and the endpoint's ground truth, the goals checked against the
 * peers measured in the same run, and a pure text renderer for both.
 */
import type { Scenario } from './bench-scenarios.ts';
import type { SelfCheck } from '../stats/selfcheck.ts';
import { describe } from '../stats/stats.ts';

/** What every benchmark client prints as one JSON line on stdout when done. */
export interface ClientReport {
  ok: number;
  errors: number;
  /** First request start to last request end, seconds. */
  wall_s: number;
  output_tokens: number;
  /** TTFT of each successful request, ms, at the first content token. */
  ttft_ms: number[];
  /** Client CPU (user + system) spent on the load, ms. */
  cpu_ms: number;
  /** Peak resident set size of the client process, KB. */
  max_rss_kb: number;
  error_sample?: string;
  /** streambench's own self-check. */
  selfcheck?: SelfCheck;
}

export interface BenchRow {
  scenario: string;
  client: string;
  requests: number;
  ok: number;
  errors: number;
  req_per_s: number;
  tokens_per_s: number;
  cpu_ms_per_request: number;
  ttft_p50_ms: number | null;
  ttft_p99_ms: number | null;
  true_p50_ms: number | null;
  true_p99_ms: number | null;
  /** Client TTFT minus the endpoint's true TTFT, at the same percentile. */
  inflation_p50_ms: number | null;
  inflation_p99_ms: number | null;
  peak_rss_mb: number;
  error_sample?: string;
  selfcheck?: SelfCheck;
  /** With several rounds: the goal metric of each round, in round order (the row is the median round). */
  rounds?: { metric: string; values: Array<number | null> };
}

export interface GoalCheck {
  goal: string;
  /** The measured value (a ratio, MB or a count); null when a needed run is missing. */
  value: number | null;
  met: boolean | null;
  /** Why there is no value although the runs were measured. */
  note?: string;
}

/** The client names used in rows and goals. */
export const CLIENT = {
  streambench: (transport: string) => `streambench/${transport}`,
  aiohttp: 'aiohttp, JSON (Python peer)',
  aiohttpRaw: 'aiohttp, raw chunks (the original tool)',
  nodeHttp: 'node:http (minimal peer)',
  undiciMinimal: 'undici (minimal peer)',
} as const;

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** One table row from a client's report and the endpoint's true TTFTs for the same requests. */
export function benchRow(scenario: Scenario, client: string, report: ClientReport, truthMs: readonly number[]): BenchRow {
  const measured = quantiles(report.ttft_ms);
  const truth = quantiles(truthMs);
  const inflation = (a: number | null, b: number | null) => (a === null || b === null ? null : round(a - b));
  const row: BenchRow = {
    scenario: scenario.name,
    client,
    requests: scenario.requests,
    ok: report.ok,
    errors: report.errors,
    req_per_s: round(report.wall_s > 0 ? report.ok / report.wall_s : 0, 1),
    tokens_per_s: round(report.wall_s > 0 ? report.output_tokens / report.wall_s : 0, 0),
    cpu_ms_per_request: round(report.ok + report.errors > 0 ? report.cpu_ms / (report.ok + report.errors) : 0, 3),
    ttft_p50_ms: measured.p50,
    ttft_p99_ms: measured.p99,
    true_p50_ms: truth.p50,
    true_p99_ms: truth.p99,
    inflation_p50_ms: inflation(measured.p50, truth.p50),
    inflation_p99_ms: inflation(measured.p99, truth.p99),
    peak_rss_mb: round(report.max_rss_kb / 1024, 1),
  };
  if (report.error_sample) row.error_sample = report.error_sample;
  if (report.selfcheck) row.selfcheck = report.selfcheck;
  return row;
}

function quantiles(values: readonly number[]): { p50: number | null; p99: number | null } {
  const d = describe(values);
  return d ? { p50: round(d.p50), p99: round(d.p99) } : { p50: null, p99: null };
}

/** S3's peak RSS before undici (236-240 MB): the transport must not make it worse. */
export const RSS_GOAL_MB = 240;

/** The metric a scenario's goal judges, by which a client's median round is picked. */
export function roundMetric(scenario: string): { name: string; value: (row: BenchRow) => number | null } {
  if (scenario === 'S1') return { name: 'req/s', value: (row) => row.req_per_s };
  if (scenario === 'S2') return { name: 'inflation p99 ms', value: (row) => row.inflation_p99_ms };
  if (scenario === 'S3') return { name: 'peak RSS MB', value: (row) => row.peak_rss_mb };
  return { name: 'errors', value: (row) => row.errors };
}

/** The median round by the scenario's goal metric (rounds without a value sort last), with every round's value recorded. */
export function medianRound(rounds: readonly BenchRow[]): BenchRow {
  const metric = roundMetric(rounds[0]!.scenario);
  const key = (row: BenchRow) => metric.value(row) ?? Infinity;
  const sorted = [...rounds].sort((a, b) => key(a) - key(b));
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  return rounds.length > 1 ? { ...median, rounds: { metric: metric.name, values: rounds.map(metric.value) } } : median;
}

/** One line per client that ran several rounds: the goal metric of each. */
export function renderRounds(rows: readonly BenchRow[]): string {
  const lines = rows
    .filter((row) => row.rounds)
    .map((row) => `${row.scenario} ${row.client}: ${row.rounds!.metric} by round ${row.rounds!.values.map((v) => (v === null ? '-' : String(v))).join(', ')} (median shown)`);
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

/** The goals, for streambench on `transport`, against the peers of the same run. */
export function checkGoals(rows: readonly BenchRow[], transport: string): GoalCheck[] {
  const find = (scenario: string, client: string) => rows.find((r) => r.scenario === scenario && r.client === client);
  const ours = CLIENT.streambench(transport);
  const ratio = (a: number | null | undefined, b: number | null | undefined) =>
    a === null || a === undefined || b === null || b === undefined || b === 0 ? null : round(a / b, 2);
  const judged = (goal: string, value: number | null, pass: (v: number) => boolean): GoalCheck => ({
    goal,
    value,
    met: value === null ? null : pass(value),
  });
  const s1 = find('S1', ours);
  const s2 = find('S2', ours);
  const s3 = find('S3', ours);
  const s4 = find('S4', ours);
  // A negative inflation (a client faster than the truth) cannot happen beyond noise for a client that times the first
  // token: floor ratios at 0.
  const inflationOf = (row: BenchRow | undefined) => (row?.inflation_p99_ms === undefined ? undefined : row.inflation_p99_ms === null ? null : Math.max(0, row.inflation_p99_ms));
  // The raw-chunk peer times the first chunk, which the endpoint sends with the headers (OpenAI's role-only chunk):
  // its TTFT can read earlier than the truth, and then no ratio to it says anything.
  const rawS2 = find('S2', CLIENT.aiohttpRaw);
  const rawS2Early = s2 !== undefined && rawS2?.inflation_p99_ms !== undefined && rawS2.inflation_p99_ms !== null && rawS2.inflation_p99_ms <= 0;
  const s2VsRaw = judged(`S2 TTFT inflation p99 vs aiohttp raw <= 0.1x`, s2 ? ratio(inflationOf(s2), inflationOf(rawS2)) : null, (v) => v <= 0.1);
  if (rawS2Early) {
    s2VsRaw.note = `no ratio: the raw peer's TTFT p99 is ${Math.abs(rawS2!.inflation_p99_ms!)} ms before the truth's (it times the first chunk, the role-only chunk sent with the headers, not the first token)`;
  }
  // Against the peer that reads as the original tool does: raw chunks, no parsing.
  return [
    judged(`S1 req/s vs aiohttp raw >= 1.25x`, s1 ? ratio(s1.req_per_s, find('S1', CLIENT.aiohttpRaw)?.req_per_s) : null, (v) => v >= 1.25),
    s2VsRaw,
    judged(
      `S2 TTFT inflation p99 vs node:http minimal <= 1.2x`,
      s2 ? ratio(inflationOf(s2), inflationOf(find('S2', CLIENT.nodeHttp))) : null,
      (v) => v <= 1.2,
    ),
    judged(`S3 peak RSS <= ${RSS_GOAL_MB} MB`, s3 ? s3.peak_rss_mb : null, (v) => v <= RSS_GOAL_MB),
    judged(`S4 holds with no errors`, s4 ? s4.errors : null, (v) => v === 0),
  ];
}

const COLUMNS: Array<[header: string, value: (row: BenchRow) => string]> = [
  ['scenario', (r) => r.scenario],
  ['client', (r) => r.client],
  ['ok/n', (r) => `${r.ok}/${r.requests}`],
  ['req/s', (r) => r.req_per_s.toFixed(1)],
  ['tok/s', (r) => r.tokens_per_s.toFixed(0)],
  ['CPU ms/req', (r) => r.cpu_ms_per_request.toFixed(3)],
  ['TTFT p50 meas/true ms', (r) => `${ms(r.ttft_p50_ms)} / ${ms(r.true_p50_ms)}`],
  ['TTFT p99 meas/true ms', (r) => `${ms(r.ttft_p99_ms)} / ${ms(r.true_p99_ms)}`],
  ['inflation p50/p99 ms', (r) => `${ms(r.inflation_p50_ms)} / ${ms(r.inflation_p99_ms)}`],
  ['peak RSS MB', (r) => r.peak_rss_mb.toFixed(1)],
];

const ms = (value: number | null) => (value === null ? '-' : value.toFixed(1));

/** The results table in Markdown (readable on a terminal, pasteable into the README). */
export function renderBenchTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((row) => COLUMNS.map(([, value]) => value(row)));
  const widths = COLUMNS.map(([header], i) => Math.max(header.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(COLUMNS.map(([header]) => header)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

export function renderGoals(goals: readonly GoalCheck[]): string {
  return (
    goals
      .map((g) => `${g.met === null ? 'n/a ' : g.met ? 'met ' : 'MISS'}  ${g.goal}: ${g.value === null ? (g.note ?? 'not measured in this run') : g.value}`)
      .join('\n') + '\n'
  );
}
