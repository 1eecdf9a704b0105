/**
 * Runs the simulated endpoint in a child process, so it never shares the
 * client's event loop (a server on the same loop would distort the very
 * timings we measure).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { StreamBenchError } from '../record/errors.ts';
import { pinnedCommand } from '../util/cpu.ts';
import type { SimulatorOptions } from './simulator.ts';

export interface SimProcess {
  /** Base URL, e.g. http://127.0.0.1:34567 */
  url: string;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('../../scripts/mock-server.ts', import.meta.url));

export interface SimProcessOptions extends SimulatorOptions {
  /** Serve ground-truth TTFT at GET /stats (see sim-server.ts). */
  recordTruth?: boolean;
  /** Pin the endpoint to these CPUs with taskset (e.g. "1"), when taskset exists. */
  cpus?: string;
  /** Count prompts with this tokenizer (o200k, cl100k or a tokenizer.json path). */
  tokenizer?: string;
}

export async function startSimProcess(options: SimProcessOptions): Promise<SimProcess> {
  const args = [
    '--import',
    import.meta.resolve('tsx'),
    SCRIPT,
    '--port',
    '0',
    '--ttft',
    String(options.ttftMs),
    '--itl',
    String(options.itlMs),
    '--tokens',
    String(options.tokens),
    '--reasoning',
    String(options.reasoningTokens ?? 0),
    '--jitter',
    String(options.jitter),
    ...(options.seed !== undefined ? ['--seed', String(options.seed)] : []),
    ...(options.prefillMsPerToken !== undefined ? ['--prefill', String(options.prefillMsPerToken)] : []),
    ...(options.prefixCacheTokens !== undefined ? ['--prefix-cache', String(options.prefixCacheTokens)] : []),
    ...(options.tokenizer !== undefined ? ['--tokenizer', options.tokenizer] : []),
    ...(options.recordTruth ? ['--truth'] : []),
    '--exit-with-stdin',
  ];
  const [command, ...commandArgs] = pinnedCommand(options.cpus, [process.execPath, ...args]);
  // Its stdin is a pipe we never write to: when this process dies, even by kill -9, the
  // kernel closes our end, the endpoint reads end-of-file and exits (--exit-with-stdin).
  const child = spawn(command!, commandArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));

  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const fail = (why: string) =>
      reject(new StreamBenchError('E_SIMULATOR', `the simulated endpoint did not start: ${why}${stderr ? `\n${stderr.trim()}` : ''}`));
    lines.once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch {
        fail(`unexpected output ${JSON.stringify(line)}`);
      }
    });
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code) => fail(`exited with code ${code}`));
  });

  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
