/**
 * Load-test a streaming endpoint.
 *   npx tsx scripts/run.ts                      # demo against the built-in simulated endpoint
 *   npx tsx scripts/run.ts -u URL -n 200 -p 50  # any OpenAI-compatible server
 */
import { defineCommand, runMain } from 'citty';
import { runArgs, runRun } from '../lib/commands/run.ts';

const command = defineCommand({
  meta: { name: 'run', description: 'Load-test a streaming HTTP endpoint at fixed concurrency or at a rate' },
  args: runArgs,
  async run({ rawArgs }) {
    const controller = new AbortController();
    const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
      if (controller.signal.aborted) process.exit(signal === 'SIGTERM' ? 143 : 130);
      process.stderr.write(`\n${signal}: aborting in-flight requests and saving what was measured (again to quit now)\n`);
      controller.abort(signal);
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    const code = await runRun(rawArgs, {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      signal: controller.signal,
    });
    process.exit(code);
  },
});

await runMain(command);
