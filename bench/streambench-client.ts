/**
 * streambench as a benchmark client: runs the real `run` command in this
 * process (same code as scripts/run.ts), then prints one JSON line, a
 * ClientReport, on stdout. Arguments are run's flags and must include
 * --output. Used by `npm run bench`; not meant to be run by hand.
 */
import { readFile } from 'node:fs/promises';
import type { ClientReport } from '../lib/bench/bench-report.ts';
import { runRun } from '../lib/commands/run.ts';
import type { Results } from '../lib/results/results.ts';

const args = process.argv.slice(2);
const output = args[args.indexOf('--output') + 1];
if (!args.includes('--output') || !output) throw new Error('streambench-client needs --output FILE');

const cpuStart = process.cpuUsage();
const code = await runRun(args, { stdout: { write: () => true }, stderr: process.stderr, env: process.env, cwd: process.cwd() });
const cpu = process.cpuUsage(cpuStart);
// Peak memory of the run itself, before this wrapper reads the results back.
const maxRssKb = process.resourceUsage().maxRSS;
if (code !== 0) process.exit(code);

const results = JSON.parse(await readFile(output, 'utf8')) as Results;
const ttftMs: number[] = [];
for (const row of results.metrics) if (row.ttft !== null) ttftMs.push(row.ttft * 1000);
const summary = results.summary as Results['summary'] & { output_tokens: number };
const report: ClientReport = {
  ok: summary.success_count,
  errors: summary.failed_count,
  wall_s: summary.wall_time,
  output_tokens: summary.output_tokens,
  ttft_ms: ttftMs,
  cpu_ms: (cpu.user + cpu.system) / 1000,
  max_rss_kb: maxRssKb,
};
const sample = Object.values(summary.error_samples ?? {})[0];
if (sample) report.error_sample = sample;
if (results.selfcheck) report.selfcheck = results.selfcheck;
process.stdout.write(JSON.stringify(report) + '\n');
